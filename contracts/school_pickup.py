"""School pickup (刷脸接孩子): schools, classes, students, guardians, who may collect a child,
dismissal sessions, gate decisions and the custody log.

Face matching stays on the gate terminal: the platform knows a person only by an opaque
per-school reference (`person_ref`) the terminal reports with its match confidence, and keeps
no face data. Every instant on the wire is timezone-aware; a custody "day" is the city's local
date (Asia/Shanghai).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from contracts.citizens import MobileNumber
from contracts.sightings import DeviceId

#: the city's wall clock: custody days and reports are local dates
SCHOOL_TIME_ZONE = "Asia/Shanghai"
MAX_GATES = 20
MAX_STAFF_CONTACTS = 20
#: a one-off delegation covers one day or one session at most
MAX_DELEGATION_WINDOW = timedelta(hours=24)
MAX_SESSION_LENGTH = timedelta(hours=6)
MAX_REPORT_DAYS = 31
MAX_NOTE_CHARS = 500

SchoolId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$", examples=["sz-futian-xx"])]
LocalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
#: the gate terminal's opaque reference to an enrolled person (no face data, no national id)
PersonRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
GateEventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
UnitPath = Annotated[str, Field(pattern=r"^[a-z0-9-]+(/[a-z0-9-]+)*$", max_length=400)]
Name = Annotated[str, Field(min_length=1, max_length=60)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time needs its offset (e.g. 2026-11-29T16:30:00+08:00)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class StaffContact(BaseModel):
    """A member of the school's staff who is alerted when a child is held at the gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    phone: MobileNumber


class SchoolCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "school_id": "ft-xiangmi-primary",
                    "name": "香蜜湖小学",
                    "unit_path": "sz/futian",
                    "gate_device_ids": ["gate-xiangmi-1"],
                    "staff_contacts": [{"name": "王老师", "phone": "13900139001"}],
                }
            ]
        },
    )

    school_id: SchoolId
    name: Annotated[str, Field(min_length=1, max_length=100)]
    #: the police unit the school belongs to; inside the caller's own scope (default: it)
    unit_path: UnitPath | None = None
    #: registered gate devices at the school's gates
    gate_device_ids: list[DeviceId] = Field(min_length=1, max_length=MAX_GATES)
    staff_contacts: list[StaffContact] = Field(min_length=1, max_length=MAX_STAFF_CONTACTS)


class School(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "school_id": "ft-xiangmi-primary",
                    "name": "香蜜湖小学",
                    "unit_path": "sz/futian",
                    "gate_device_ids": ["gate-xiangmi-1"],
                    "staff_contacts": [{"name": "王老师", "phone": "13900139001"}],
                    "created_at": "2026-09-01T00:00:00Z",
                }
            ]
        }
    )

    school_id: str
    name: str
    unit_path: str
    gate_device_ids: list[str]
    staff_contacts: list[StaffContact]
    created_at: datetime


class ClassCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"class_id": "3-2", "name": "三年级二班"}]}
    )

    class_id: LocalId
    name: Name


class SchoolClass(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"school_id": "ft-xiangmi-primary", "class_id": "3-2", "name": "三年级二班"}
            ]
        }
    )

    school_id: str
    class_id: str
    name: str


class StudentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "student_id": "s-0001",
                    "name": "李小明",
                    "class_id": "3-2",
                    "person_ref": "p-8842",
                }
            ]
        },
    )

    student_id: LocalId
    name: Name
    class_id: LocalId
    person_ref: PersonRef


class Student(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "school_id": "ft-xiangmi-primary",
                    "student_id": "s-0001",
                    "name": "李小明",
                    "class_id": "3-2",
                    "person_ref": "p-8842",
                }
            ]
        }
    )

    school_id: str
    student_id: str
    name: str
    class_id: str
    person_ref: str


class GuardianCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "guardian_id": "g-0001",
                    "name": "李建国",
                    "phone": "13900139000",
                    "person_ref": "p-5120",
                }
            ]
        },
    )

    guardian_id: LocalId
    name: Name
    phone: MobileNumber
    person_ref: PersonRef


class Guardian(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "school_id": "ft-xiangmi-primary",
                    "guardian_id": "g-0001",
                    "name": "李建国",
                    "phone": "13900139000",
                    "person_ref": "p-5120",
                }
            ]
        }
    )

    school_id: str
    guardian_id: str
    name: str
    phone: str
    person_ref: str


class AuthorisationCreate(BaseModel):
    """The guardian may collect the student from `valid_from` until `valid_until` (open-ended
    when absent)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"guardian_id": "g-0001", "valid_from": "2026-09-01T00:00:00+08:00"}]
        },
    )

    guardian_id: LocalId
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AuthorisationCreate:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class PickupAuthorisation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": "0f3c5a4e-2b1d-4c8e-9f70-6a5b4c3d2e1f",
                    "school_id": "ft-xiangmi-primary",
                    "student_id": "s-0001",
                    "guardian_id": "g-0001",
                    "valid_from": "2026-08-31T16:00:00Z",
                    "valid_until": None,
                    "revoked_at": None,
                    "created_by": "o-futian",
                    "created_at": "2026-09-01T01:00:00Z",
                }
            ]
        }
    )

    authorisation_id: uuid.UUID
    school_id: str
    student_id: str
    guardian_id: str
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    created_by: str
    created_at: datetime


class DelegationCreate(BaseModel):
    """A guardian's one-off permission for a named person to collect the child once, within a
    window of at most 24 hours. The guardian must be authorised for the student."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "guardian_id": "g-0001",
                    "delegate_name": "张阿姨",
                    "delegate_person_ref": "p-7731",
                    "valid_from": "2026-11-29T15:00:00+08:00",
                    "valid_until": "2026-11-29T18:00:00+08:00",
                }
            ]
        },
    )

    guardian_id: LocalId
    delegate_name: Name
    delegate_person_ref: PersonRef
    valid_from: AwareDatetime
    valid_until: AwareDatetime

    @model_validator(mode="after")
    def _window(self) -> DelegationCreate:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.valid_until - self.valid_from > MAX_DELEGATION_WINDOW:
            raise ValueError("a delegation covers at most 24 hours")
        return self


class Delegation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delegation_id": "8e2d1c0b-4a3f-4e5d-8c7b-1a2b3c4d5e6f",
                    "school_id": "ft-xiangmi-primary",
                    "student_id": "s-0001",
                    "guardian_id": "g-0001",
                    "delegate_name": "张阿姨",
                    "delegate_person_ref": "p-7731",
                    "valid_from": "2026-11-29T07:00:00Z",
                    "valid_until": "2026-11-29T10:00:00Z",
                    "used_at": None,
                    "created_by": "o-futian",
                    "created_at": "2026-11-29T01:00:00Z",
                }
            ]
        }
    )

    delegation_id: uuid.UUID
    school_id: str
    student_id: str
    guardian_id: str
    delegate_name: str
    delegate_person_ref: str
    valid_from: datetime
    valid_until: datetime
    used_at: datetime | None
    created_by: str
    created_at: datetime


class DismissalSessionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "class_id": "3-2",
                    "starts_at": "2026-11-29T16:30:00+08:00",
                    "ends_at": "2026-11-29T17:30:00+08:00",
                }
            ]
        },
    )

    class_id: LocalId
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _window(self) -> DismissalSessionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > MAX_SESSION_LENGTH:
            raise ValueError("a dismissal session lasts at most 6 hours")
        return self


class DismissalSession(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a",
                    "school_id": "ft-xiangmi-primary",
                    "class_id": "3-2",
                    "day": "2026-11-29",
                    "starts_at": "2026-11-29T08:30:00Z",
                    "ends_at": "2026-11-29T09:30:00Z",
                }
            ]
        }
    )

    session_id: uuid.UUID
    school_id: str
    class_id: str
    day: date = Field(description="local date (Asia/Shanghai) the session starts on")
    starts_at: datetime
    ends_at: datetime


class GateEventIn(BaseModel):
    """What a school gate terminal reports: whom it matched, for which child, how sure it is."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "gate_event_id": "gate-xiangmi-1:20261129T083012:0042",
                    "student_ref": "p-8842",
                    "person_ref": "p-5120",
                    "confidence": 0.97,
                    "seen_at": "2026-11-29T16:40:12+08:00",
                }
            ]
        },
    )

    #: the terminal's id of this event: reported twice, it is decided once
    gate_event_id: GateEventId
    student_ref: PersonRef
    person_ref: PersonRef
    confidence: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    seen_at: AwareDatetime


class HoldReason(StrEnum):
    """Why a child was held for staff verification (in the order they are reported)."""

    ALREADY_RELEASED = "already_released"
    NOT_AUTHORISED = "not_authorised"
    EXPIRED_DELEGATION = "expired_delegation"
    DELEGATION_USED = "delegation_used"
    LOW_CONFIDENCE = "low_confidence"
    OUTSIDE_SESSION = "outside_session"
    #: the terminal reported the event long after it happened: never decided as a release
    STALE_EVENT = "stale_event"


class CustodyKind(StrEnum):
    RELEASED = "released"  # a gate decision released the child
    HELD = "held"  # a gate decision held the child for staff verification
    MANUALLY_RELEASED = "manually_released"  # staff verified a hold and released the child
    REFUSED = "refused"  # staff refused the person of a hold; the child stays


class ReleasedToKind(StrEnum):
    GUARDIAN = "guardian"
    DELEGATE = "delegate"
    #: verified by staff in person (a manual release)
    VERIFIED_PERSON = "verified_person"


class CustodyEntry(BaseModel):
    """One line of a child's custody log; the log is append-only and numbered per day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_id": "5b0e7c1a-8f7a-4d61-8c55-4e1e3f7f2a10",
                    "school_id": "ft-xiangmi-primary",
                    "student_id": "s-0001",
                    "day": "2026-11-29",
                    "seq": 1,
                    "kind": "released",
                    "at": "2026-11-29T08:40:12Z",
                    "gate_event_id": "gate-xiangmi-1:20261129T083012:0042",
                    "device_id": "gate-xiangmi-1",
                    "person_ref": "p-5120",
                    "confidence": 0.97,
                    "reasons": [],
                    "released_to_kind": "guardian",
                    "released_to_id": "g-0001",
                    "resolves_entry_id": None,
                    "decided_by": "gate-xiangmi-1",
                    "note": None,
                    "recorded_at": "2026-11-29T08:40:12Z",
                }
            ]
        }
    )

    entry_id: uuid.UUID
    school_id: str
    student_id: str
    day: date
    seq: int
    kind: CustodyKind
    at: datetime = Field(description="when it happened (the gate's time, or the decision's)")
    gate_event_id: str | None
    device_id: str | None
    person_ref: str | None
    confidence: float | None
    reasons: list[HoldReason]
    released_to_kind: ReleasedToKind | None
    released_to_id: str | None = Field(description="guardian id, delegation id or person ref")
    resolves_entry_id: uuid.UUID | None = Field(description="the hold a staff decision resolves")
    decided_by: str = Field(description="the gate device or the officer")
    note: str | None
    recorded_at: datetime


class GateDecision(BaseModel):
    """The answer to the gate: release the child or hold them for staff verification."""

    gate_event_id: str
    school_id: str
    student_id: str
    released: bool
    reasons: list[HoldReason]
    entry: CustodyEntry
    replayed: bool = False


class HoldResolution(StrEnum):
    RELEASE = "release"
    REFUSE = "refuse"


class HoldResolve(BaseModel):
    """Staff decision on a held pick-up, after checking the person at the gate themselves."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"resolution": "release", "note": "核对户口簿，确认为孩子的祖母"}]
        },
    )

    resolution: HoldResolution
    note: str = Field(min_length=2, max_length=MAX_NOTE_CHARS)


class HoldsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date
    open_only: bool = True
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=200)


class CustodyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=500)


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _range(self) -> ReportQuery:
        if self.last_day < self.first_day:
            raise ValueError("last_day must not be before first_day")
        if (self.last_day - self.first_day).days >= MAX_REPORT_DAYS:
            raise ValueError(f"a report covers at most {MAX_REPORT_DAYS} days")
        return self


class PickupCounts(BaseModel):
    pickups: int = Field(description="children released, at the gate or after verification")
    gate_releases: int
    manual_verifications: int = Field(description="releases after staff verification")
    refusals: int
    holds: int


class PickupReportDay(PickupCounts):
    day: date


class PickupReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "school_id": "ft-xiangmi-primary",
                    "first_day": "2026-11-29",
                    "last_day": "2026-11-29",
                    "totals": {
                        "pickups": 412,
                        "gate_releases": 405,
                        "manual_verifications": 7,
                        "refusals": 1,
                        "holds": 9,
                    },
                    "days": [
                        {
                            "day": "2026-11-29",
                            "pickups": 412,
                            "gate_releases": 405,
                            "manual_verifications": 7,
                            "refusals": 1,
                            "holds": 9,
                        }
                    ],
                }
            ]
        }
    )

    school_id: str
    first_day: date
    last_day: date
    totals: PickupCounts
    days: list[PickupReportDay]


# -- events ------------------------------------------------------------------------------------

CUSTODY_RECORDED = "prevention.custody.recorded.v1"


class CustodyRecorded(BaseModel):
    """`prevention.custody.recorded.v1`: one line was added to a child's custody log. Ids only:
    names and phone numbers stay in the prevention service."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_id": "5b0e7c1a-8f7a-4d61-8c55-4e1e3f7f2a10",
                    "school_id": "ft-xiangmi-primary",
                    "unit_path": "sz/futian",
                    "student_id": "s-0001",
                    "day": "2026-11-29",
                    "seq": 1,
                    "kind": "released",
                    "at": "2026-11-29T08:40:12Z",
                    "gate_event_id": "gate-xiangmi-1:20261129T083012:0042",
                    "reasons": [],
                    "released_to_kind": "guardian",
                    "released_to_id": "g-0001",
                    "resolves_entry_id": None,
                    "decided_by": "gate-xiangmi-1",
                }
            ]
        }
    )

    entry_id: uuid.UUID
    school_id: str
    unit_path: str
    student_id: str
    day: date
    seq: int
    kind: CustodyKind
    at: datetime
    gate_event_id: str | None
    reasons: list[HoldReason]
    released_to_kind: ReleasedToKind | None
    released_to_id: str | None
    resolves_entry_id: uuid.UUID | None
    decided_by: str
