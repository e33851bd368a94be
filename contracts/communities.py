"""Smart communities (智慧社区): communities, households, residents, guardians, face-gate
consent, access events at the gates, and who may be told about them.

The platform never stores or searches face templates: a community's gate terminal matches a
face itself and reports an access event naming the resident by an opaque per-community
reference. Enrolment is a consent record: granted by an adult resident themselves or, for a
child, by one of the child's guardians; withdrawing it deletes the enrolment and tells the
terminals to delete the template.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contracts.citizens import MobileNumber
from contracts.places import PLACE_ID_PATTERN
from contracts.sightings import DeviceId
from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

#: the age of majority: a resident younger than this on a given day is a child that day
AGE_OF_MAJORITY = 18
#: contacts an adult may choose to be told of their passages
MAX_CHOSEN_CONTACTS = 5
#: guardians a child may have on record
MAX_GUARDIANS = 6
#: gates one community may have
MAX_GATES_PER_COMMUNITY = 50


def _no_climbing(value: str) -> str:
    if ".." in value:
        raise ValueError("a snapshot reference does not climb out of its store")
    return value


CommunityId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
#: a unit's path in the hierarchy (city/branch/station), as management knows it
UnitPath = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}(/[a-z0-9][a-z0-9._-]{0,63}){0,5}$"),
]
#: the opaque reference a community's terminals know a resident by (never a national id)
ResidentRef = Annotated[str, StringConstraints(pattern=r"^r-[0-9a-f]{16}$")]
#: a citizen account's id, as the citizen service issues them
CitizenId = Annotated[str, StringConstraints(pattern=r"^c-[A-Za-z0-9]{1,62}$")]
#: where the terminal's storage keeps a snapshot: an opaque key, never a URL with credentials
#: nor a path that climbs out of its store
SnapshotRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$"),
    AfterValidator(_no_climbing),
]
GateEventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AgeGroup(StrEnum):
    CHILD = "child"
    ADULT = "adult"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class ConsentDecision(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ConsentBy(StrEnum):
    """In what capacity the person decided: for themselves, or as a child's guardian."""

    SELF = "self"
    GUARDIAN = "guardian"


# -- communities, gates, households -----------------------------------------------------------


class CommunityCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "community_id": "xiangmihu-garden",
                    "name": "香蜜湖花园",
                    "unit_path": "sz/futian/futian-1",
                    "address": "深圳市福田区香蜜湖路 1 号",
                    "place_id": "poi-futian-home-001",
                }
            ]
        },
    )

    community_id: CommunityId
    name: str = Field(min_length=1, max_length=200)
    #: the police unit whose jurisdiction the community lies in (its path: city/branch/station)
    unit_path: UnitPath
    address: str | None = Field(default=None, max_length=300)
    #: the data service's `residential_community` place this community is, if it is recorded
    place_id: str | None = Field(default=None, pattern=PLACE_ID_PATTERN)


class Community(CommunityCreate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "community_id": "xiangmihu-garden",
                    "name": "香蜜湖花园",
                    "unit_path": "sz/futian/futian-1",
                    "address": "深圳市福田区香蜜湖路 1 号",
                    "place_id": "poi-futian-home-001",
                    "gate_ids": ["gate-xmh-east"],
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        },
    )

    gate_ids: list[str]
    created_at: datetime


class GateAssignment(BaseModel):
    """The community's face gates: registered devices of kind `gate`, each in one community."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"gate_ids": ["gate-xmh-east"]}]}
    )

    gate_ids: list[DeviceId] = Field(min_length=1, max_length=MAX_GATES_PER_COMMUNITY)


class HouseholdCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"unit_room": "3栋2单元1201"}]}
    )

    #: building, entrance and room as the community writes them
    unit_room: str = Field(min_length=1, max_length=64)


class Household(HouseholdCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "household_id": "8d0c3b1e-4f2a-4c8e-9a57-2b6d1e0f3c44",
                    "community_id": "xiangmihu-garden",
                    "unit_room": "3栋2单元1201",
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    household_id: uuid.UUID
    community_id: str
    created_at: datetime


# -- residents and guardians -------------------------------------------------------------------


class ResidentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "household_id": "8d0c3b1e-4f2a-4c8e-9a57-2b6d1e0f3c44",
                    "name": "王小明",
                    "birth_date": "2016-05-01",
                    "phone": None,
                    "citizen_id": None,
                }
            ]
        },
    )

    household_id: uuid.UUID
    name: PersonName
    birth_date: date
    phone: MobileNumber | None = None
    #: the resident's own citizen account: with it they decide their consent and contacts
    citizen_id: CitizenId | None = None


class Resident(BaseModel):
    """A resident as an officer sees them (the phone masked)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                    "household_id": "8d0c3b1e-4f2a-4c8e-9a57-2b6d1e0f3c44",
                    "community_id": "xiangmihu-garden",
                    "unit_room": "3栋2单元1201",
                    "resident_ref": "r-3f9a1c7e2b6d4e80",
                    "name": "王小明",
                    "birth_date": "2016-05-01",
                    "age_group": "child",
                    "phone": None,
                    "has_account": False,
                    "enrolled": True,
                    "notifications_opted_in": False,
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    resident_id: uuid.UUID
    household_id: uuid.UUID
    community_id: str
    unit_room: str
    resident_ref: str
    name: str
    birth_date: date
    age_group: AgeGroup = Field(description="today, in the city's time zone")
    phone: str | None = Field(description="masked")
    has_account: bool
    enrolled: bool = Field(description="face enrolment consented to and not withdrawn")
    notifications_opted_in: bool = Field(description="an adult chose contacts to be told")
    created_at: datetime


class GuardianCreate(BaseModel):
    """A child's guardian: another resident (by id), or someone outside the community with a
    name and a phone. With a citizen account they may decide the child's consent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "王芳", "phone": "13900139000", "citizen_id": "c-5f2a9c0e1b7d4a36"},
                {"resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a12"},
            ]
        },
    )

    resident_id: uuid.UUID | None = None
    name: PersonName | None = None
    phone: MobileNumber | None = None
    citizen_id: CitizenId | None = None
    relation: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _resident_or_contact(self) -> GuardianCreate:
        outside = self.name is not None or self.phone is not None or self.citizen_id is not None
        if self.resident_id is not None and outside:
            raise ValueError("a resident guardian is named by resident_id alone")
        if self.resident_id is None and (self.name is None or self.phone is None):
            raise ValueError("a guardian outside the community needs a name and a phone")
        return self


class Guardian(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guardian_id": "9a4c1d2e-3f5b-4a6c-8d7e-0f1a2b3c4d5e",
                    "child_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                    "resident_id": None,
                    "name": "王芳",
                    "phone": "139****9000",
                    "has_account": True,
                    "relation": "mother",
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    guardian_id: uuid.UUID
    child_id: uuid.UUID
    resident_id: uuid.UUID | None
    name: str
    phone: str | None = Field(description="masked")
    has_account: bool
    relation: str | None
    created_at: datetime


# -- consent -----------------------------------------------------------------------------------


class FaceEnrolment(BaseModel):
    """A resident's enrolment after a consent decision."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                    "community_id": "xiangmihu-garden",
                    "resident_ref": "r-3f9a1c7e2b6d4e80",
                    "enrolled": False,
                    "decision": "withdrawn",
                    "decided_as": "guardian",
                    "decided_at": "2026-11-29T08:00:00Z",
                    "changed": True,
                }
            ]
        }
    )

    resident_id: uuid.UUID
    community_id: str
    resident_ref: str
    enrolled: bool
    decision: ConsentDecision
    decided_as: ConsentBy
    decided_at: datetime
    #: false when the resident already was in that state (nothing recorded, nothing sent)
    changed: bool


class ConsentRecord(BaseModel):
    """One row of a resident's consent history: kept when the enrolment is deleted."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "consent_id": "2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f",
                    "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                    "decision": "withdrawn",
                    "decided_as": "guardian",
                    "decided_by": "c-5f2a9c0e1b7d4a36",
                    "decided_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    consent_id: uuid.UUID
    resident_id: uuid.UUID
    decision: ConsentDecision
    decided_as: ConsentBy
    decided_by: str = Field(description="the citizen account that decided")
    decided_at: datetime


class ChosenContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PersonName
    phone: MobileNumber


class NotificationChoice(BaseModel):
    """An adult resident's own choice: be told of their passages (with the snapshot) through
    the contacts they name, or not at all. Opting out stops the messages at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"opted_in": True, "contacts": [{"name": "王芳", "phone": "13900139000"}]},
                {"opted_in": False, "contacts": []},
            ]
        },
    )

    opted_in: bool
    contacts: list[ChosenContact] = Field(default_factory=list, max_length=MAX_CHOSEN_CONTACTS)

    @model_validator(mode="after")
    def _contacts_match_choice(self) -> NotificationChoice:
        if self.opted_in and not self.contacts:
            raise ValueError("opting in needs at least one contact")
        if not self.opted_in and self.contacts:
            raise ValueError("opting out leaves no contacts")
        return self


class NotificationSettings(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a12",
                    "opted_in": True,
                    "contacts": ["139****9000"],
                    "changed_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    resident_id: uuid.UUID
    opted_in: bool
    #: masked phones of the chosen contacts
    contacts: list[str]
    changed_at: datetime


class MyResident(BaseModel):
    """A resident a citizen may decide for: themselves, or a child they are a guardian of."""

    resident_id: uuid.UUID
    community_id: str
    community_name: str
    name: str
    age_group: AgeGroup
    decided_as: ConsentBy
    enrolled: bool
    notifications_opted_in: bool


class MyResidents(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                            "community_id": "xiangmihu-garden",
                            "community_name": "香蜜湖花园",
                            "name": "王小明",
                            "age_group": "child",
                            "decided_as": "guardian",
                            "enrolled": True,
                            "notifications_opted_in": False,
                        }
                    ]
                }
            ]
        }
    )

    items: list[MyResident]


# -- access events -----------------------------------------------------------------------------


class AccessEventIn(BaseModel):
    """What a gate reports after its terminal matched a face: never the face itself."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "gate_event_id": "gate-xmh-east:000123",
                    "gate_id": "gate-xmh-east",
                    "resident_ref": "r-3f9a1c7e2b6d4e80",
                    "direction": "out",
                    "occurred_at": "2026-11-29T08:00:00+08:00",
                    "snapshot_ref": "snapshots/2026/11/29/gate-xmh-east/000123.jpg",
                }
            ]
        },
    )

    #: the gate's own id for this event: reported twice, it is recorded once
    gate_event_id: GateEventId
    #: the reporting gate (it must be the device that speaks)
    gate_id: DeviceId
    resident_ref: ResidentRef
    direction: Direction
    occurred_at: datetime
    snapshot_ref: SnapshotRef | None = None


class AccessReceipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "0b7c2d9e-1f3a-4b5c-8d6e-7f8091a2b3c4",
                    "gate_event_id": "gate-xmh-east:000123",
                    "notified": 2,
                    "replayed": False,
                }
            ]
        }
    )

    event_id: uuid.UUID
    gate_event_id: str
    #: messages sent with the snapshot (to a child's guardians, or an adult's chosen contacts)
    notified: int
    replayed: bool


class AccessEvent(BaseModel):
    """A recorded passage as an officer sees it; the snapshot reference is gone once the
    snapshot's retention ran out."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "0b7c2d9e-1f3a-4b5c-8d6e-7f8091a2b3c4",
                    "community_id": "xiangmihu-garden",
                    "gate_id": "gate-xmh-east",
                    "gate_event_id": "gate-xmh-east:000123",
                    "resident_id": "5b8e2f5a-0c61-4e0c-8a1e-6f7b9d2c4a11",
                    "resident_ref": "r-3f9a1c7e2b6d4e80",
                    "direction": "out",
                    "occurred_at": "2026-11-29T00:00:00Z",
                    "recorded_at": "2026-11-29T00:00:01Z",
                    "snapshot_ref": "snapshots/2026/11/29/gate-xmh-east/000123.jpg",
                }
            ]
        }
    )

    event_id: uuid.UUID
    community_id: str
    gate_id: str
    gate_event_id: str
    resident_id: uuid.UUID
    resident_ref: str
    direction: Direction
    occurred_at: datetime
    recorded_at: datetime
    snapshot_ref: str | None


class AccessQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID | None = None
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=200)


# -- events out --------------------------------------------------------------------------------


class FaceEnrolmentCommand(BaseModel):
    """Payload of `prevention.face_enrolment.granted.v1` and `…withdrawn.v1`: a command to the
    community's gate terminals to enrol (on granted) or delete (on withdrawn) the template
    of the resident they know by `resident_ref`."""

    consent_id: uuid.UUID
    community_id: str
    resident_ref: str
    gate_ids: list[str]
    decided_at: datetime


class AccessRecorded(BaseModel):
    """Payload of `prevention.access.recorded.v1`: a passage was recorded. The snapshot itself
    goes only to the people entitled to it, so the event says whether there is one."""

    event_id: uuid.UUID
    community_id: str
    unit_path: str
    gate_id: str
    resident_ref: str
    direction: Direction
    occurred_at: datetime
    has_snapshot: bool


FACE_ENROLMENT_GRANTED = "prevention.face_enrolment.granted.v1"
FACE_ENROLMENT_WITHDRAWN = "prevention.face_enrolment.withdrawn.v1"
ACCESS_RECORDED = "prevention.access.recorded.v1"
