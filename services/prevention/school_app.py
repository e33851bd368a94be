"""School pickup use cases: schools and their people, who may collect a child, dismissal
sessions, the gate's decision, staff resolving a hold, the custody log and the school's report.

Personal data (children, guardians, staff phones) is served only inside the caller's unit scope;
a school outside it is "not found". A gate speaks only for the schools that list it."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.dependencies import EventStager
from contracts.actor import Actor, ActorKind, in_scope
from contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contracts.notifications import (
    MAX_BODY_CHARS,
    Channel,
    NotificationRequest,
    notification_requested,
)
from contracts.school_pickup import (
    CUSTODY_RECORDED,
    AuthorisationCreate,
    ClassCreate,
    CustodyEntry,
    CustodyKind,
    CustodyQuery,
    CustodyRecorded,
    Delegation,
    DelegationCreate,
    DismissalSession,
    DismissalSessionCreate,
    GateDecision,
    GateEventIn,
    Guardian,
    GuardianCreate,
    HoldResolution,
    HoldResolve,
    HoldsQuery,
    PickupAuthorisation,
    PickupCounts,
    PickupReport,
    PickupReportDay,
    ReleasedToKind,
    ReportQuery,
    School,
    SchoolClass,
    SchoolCreate,
    StaffContact,
    Student,
    StudentCreate,
)
from contracts.values import Page, PageRequest
from services.prevention import school_store as store
from services.prevention.domain import school_pickup as rules
from services.prevention.domain.school_pickup import (
    Authorisation,
    DelegationGrant,
    GateObservation,
    PickupRuleBroken,
    PickupRules,
    StudentFacts,
    Window,
)
from services.prevention.store import active_device_ids

PRODUCER = "prevention"
HOLD_CATEGORY = "school_pickup_hold"
RELEASE_CATEGORY = "school_pickup"
#: a message's id follows from the custody line and the recipient: the same line never
#: notifies anyone twice
NOTIFICATION_NAMESPACE = uuid.UUID("6c1d7f2e-3b4a-4f0e-9a51-0d8e2b7c4f93")
#: delegations are looked at from this far back, so that an expired one is recognised as such
DELEGATION_LOOKBACK = timedelta(days=1)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except PickupRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None


def _who(actor: Actor) -> str:
    return actor.accountable_officer or actor.id


# -- schools -----------------------------------------------------------------------------------


def _school(row: Any) -> School:
    return School(
        school_id=row.school_id,
        name=row.name,
        unit_path=row.unit_path,
        gate_device_ids=list(row.gate_device_ids),
        staff_contacts=[StaffContact.model_validate(c) for c in row.staff_contacts],
        created_at=row.created_at,
    )


def school_in_scope(session: Session, actor: Actor, school_id: str) -> Any:
    """The school, if the actor's unit scope covers it; otherwise as if it did not exist."""
    row = store.school(session, school_id)
    if row is None or not in_scope(actor.scope, row.unit_path):
        raise NotFound("no such school")
    return row


def create_school(session: Session, actor: Actor, request: SchoolCreate, now: datetime) -> School:
    if not actor.scope:
        raise Forbidden("only an officer with a unit registers schools")
    unit_path = request.unit_path or actor.scope
    if not in_scope(actor.scope, unit_path):
        raise Forbidden("a school is registered only within your own unit's scope")
    gates = list(dict.fromkeys(request.gate_device_ids))
    unknown = sorted(set(gates) - store.gate_devices(session, gates))
    if unknown:
        raise ValidationFailed(
            "not registered gate devices: " + ", ".join(unknown),
            errors=[{"field": "gate_device_ids", "problem": "unknown_gate"}],
        )
    row = store.add_row(
        session,
        store.schools,
        {
            "school_id": request.school_id,
            "name": request.name,
            "unit_path": unit_path,
            "gate_device_ids": gates,
            "staff_contacts": [c.model_dump() for c in request.staff_contacts],
            "created_by": _who(actor),
            "created_at": now,
        },
    )
    if row is None:
        raise Conflict("a school with this id exists")
    return _school(row)


def get_school(session: Session, actor: Actor, school_id: str) -> School:
    return _school(school_in_scope(session, actor, school_id))


def list_schools(session: Session, actor: Actor, page: PageRequest) -> Page[School]:
    if not actor.scope:
        return Page[School](items=[])
    rows = store.schools_in_scope(session, actor.scope, page.cursor, page.limit)
    return Page[School](
        items=[_school(r) for r in rows],
        next_cursor=rows[-1].school_id if len(rows) == page.limit else None,
    )


def _added(session: Session, table: Any, values: dict[str, Any], what: str) -> Any:
    try:
        with session.begin_nested():
            row = store.add_row(session, table, values)
    except IntegrityError:
        raise Conflict(f"the person reference is taken by another {what} of the school") from None
    if row is None:
        raise Conflict(f"a {what} with this id exists at the school")
    return row


def add_class(session: Session, actor: Actor, school_id: str, request: ClassCreate) -> SchoolClass:
    school_in_scope(session, actor, school_id)
    row = _added(
        session,
        store.classes,
        {"school_id": school_id, "class_id": request.class_id, "name": request.name},
        "class",
    )
    return SchoolClass(school_id=row.school_id, class_id=row.class_id, name=row.name)


def _class_of_school(session: Session, school_id: str, class_id: str) -> Any:
    row = store.school_class(session, school_id, class_id)
    if row is None:
        raise ValidationFailed(
            "no such class at the school", errors=[{"field": "class_id", "problem": "unknown"}]
        )
    return row


def add_student(session: Session, actor: Actor, school_id: str, request: StudentCreate) -> Student:
    school_in_scope(session, actor, school_id)
    _class_of_school(session, school_id, request.class_id)
    row = _added(
        session, store.students, {"school_id": school_id, **request.model_dump()}, "student"
    )
    return Student.model_validate(row, from_attributes=True)


def _student(session: Session, school_id: str, student_id: str, *, lock: bool = False) -> Any:
    row = store.student(session, school_id, student_id, lock=lock)
    if row is None:
        raise NotFound("no such student at the school")
    return row


def get_student(session: Session, actor: Actor, school_id: str, student_id: str) -> Student:
    school_in_scope(session, actor, school_id)
    return Student.model_validate(_student(session, school_id, student_id), from_attributes=True)


def add_guardian(
    session: Session, actor: Actor, school_id: str, request: GuardianCreate
) -> Guardian:
    school_in_scope(session, actor, school_id)
    values = {"school_id": school_id, **request.model_dump()}
    values["phone"] = values["phone"].removeprefix("+86")
    row = _added(session, store.guardians, values, "guardian")
    return Guardian.model_validate(row, from_attributes=True)


# -- who may collect a child -------------------------------------------------------------------


def _authorisation(row: Any) -> PickupAuthorisation:
    return PickupAuthorisation.model_validate(row, from_attributes=True)


def _guardian(session: Session, school_id: str, guardian_id: str) -> Any:
    row = store.guardian(session, school_id, guardian_id)
    if row is None:
        raise ValidationFailed(
            "no such guardian at the school",
            errors=[{"field": "guardian_id", "problem": "unknown"}],
        )
    return row


def authorise_pickup(
    session: Session,
    actor: Actor,
    school_id: str,
    student_id: str,
    request: AuthorisationCreate,
    now: datetime,
) -> PickupAuthorisation:
    school_in_scope(session, actor, school_id)
    _student(session, school_id, student_id)
    _guardian(session, school_id, request.guardian_id)
    row = store.add_row(
        session,
        store.authorisations,
        {
            "authorisation_id": uuid.uuid4(),
            "school_id": school_id,
            "student_id": student_id,
            "guardian_id": request.guardian_id,
            "valid_from": request.valid_from,
            "valid_until": request.valid_until,
            "created_by": _who(actor),
            "created_at": now,
        },
    )
    return _authorisation(row)


def list_authorisations(
    session: Session, actor: Actor, school_id: str, student_id: str
) -> list[PickupAuthorisation]:
    school_in_scope(session, actor, school_id)
    _student(session, school_id, student_id)
    return [_authorisation(r) for r in store.authorisations_of(session, school_id, student_id)]


def revoke_authorisation(
    session: Session, actor: Actor, school_id: str, authorisation_id: uuid.UUID, now: datetime
) -> PickupAuthorisation:
    """From now on the guardian collects the child no more (nor do their delegates).
    Revoking a revoked authorisation changes nothing."""
    school_in_scope(session, actor, school_id)
    row = store.authorisation(session, school_id, authorisation_id)
    if row is None:
        raise NotFound("no such authorisation")
    if row.revoked_at is None:
        row = store.revoke_authorisation(session, authorisation_id, now) or row
    return _authorisation(row)


def _grants(rows: Iterable[Any]) -> list[Authorisation]:
    return [
        Authorisation(r.guardian_id, r.person_ref, r.valid_from, r.valid_until, r.revoked_at)
        for r in rows
    ]


def delegate_pickup(
    session: Session,
    actor: Actor,
    school_id: str,
    student_id: str,
    request: DelegationCreate,
    now: datetime,
) -> Delegation:
    """Record a guardian's one-off delegation (the guardian asked the school or the officer)."""
    school_in_scope(session, actor, school_id)
    _student(session, school_id, student_id)
    _guardian(session, school_id, request.guardian_id)
    grants = _grants(store.authorisations_of(session, school_id, student_id))
    with _refusals():
        rules.check_delegation_window(request.valid_until, now)
        rules.check_delegation(grants, request.guardian_id, request.valid_from, now)
    row = store.add_row(
        session,
        store.delegations,
        {
            "delegation_id": uuid.uuid4(),
            "school_id": school_id,
            "student_id": student_id,
            **request.model_dump(),
            "created_by": _who(actor),
            "created_at": now,
        },
    )
    return Delegation.model_validate(row, from_attributes=True)


def add_session(
    session: Session, actor: Actor, school_id: str, request: DismissalSessionCreate
) -> DismissalSession:
    school_in_scope(session, actor, school_id)
    _class_of_school(session, school_id, request.class_id)
    row = store.add_row(
        session,
        store.sessions,
        {
            "session_id": uuid.uuid4(),
            "school_id": school_id,
            "class_id": request.class_id,
            "day": rules.local_day(request.starts_at),
            "starts_at": request.starts_at,
            "ends_at": request.ends_at,
        },
    )
    return DismissalSession.model_validate(row, from_attributes=True)


# -- the custody log ---------------------------------------------------------------------------


def _entry(row: Any) -> CustodyEntry:
    return CustodyEntry.model_validate(row, from_attributes=True)


def _append(
    session: Session, events: EventStager, school: Any, values: dict[str, Any]
) -> CustodyEntry:
    """A line in the child's log and its event, in the caller's transaction."""
    entry = _entry(store.append_custody(session, {"entry_id": uuid.uuid4(), **values}))
    events.stage(
        session,
        CUSTODY_RECORDED,
        CustodyRecorded(
            unit_path=school.unit_path,
            **entry.model_dump(
                include=set(CustodyRecorded.model_fields) - {"unit_path"}, mode="python"
            ),
        ),
    )
    return entry


def _notify(
    session: Session,
    events: EventStager,
    entry: CustodyEntry,
    phones: Iterable[str],
    body: str,
    category: str,
) -> None:
    for phone in dict.fromkeys(phones):
        try:
            message = NotificationRequest(
                notification_id=uuid.uuid5(NOTIFICATION_NAMESPACE, f"{entry.entry_id}/{phone}"),
                channel=Channel.SMS,
                phone=phone,
                body=body[:MAX_BODY_CHARS],
                category=category,
            )
        except ValidationError:
            continue  # numbers are checked on the way in; a stored bad one must not block custody
        events.stage(session, notification_requested(PRODUCER), message)


def _alert_staff(
    session: Session, events: EventStager, school: Any, student: Any, entry: CustodyEntry
) -> None:
    _notify(
        session,
        events,
        entry,
        (c["phone"] for c in school.staff_contacts),
        rules.hold_text(student.name, student.class_name, entry.reasons),
        HOLD_CATEGORY,
    )


def _tell_guardians(
    session: Session,
    events: EventStager,
    student: Any,
    entry: CustodyEntry,
    by_whom: str,
) -> None:
    current = [
        r
        for r in store.authorisations_of(session, student.school_id, student.student_id)
        if Authorisation(
            r.guardian_id, r.person_ref, r.valid_from, r.valid_until, r.revoked_at
        ).covers(entry.at)
    ]
    _notify(
        session,
        events,
        entry,
        (r.phone for r in current),
        rules.release_text(student.name, entry.at, by_whom),
        RELEASE_CATEGORY,
    )


def _released_to_name(session: Session, student: Any, entry: CustodyEntry) -> str:
    if entry.released_to_kind is ReleasedToKind.GUARDIAN and entry.released_to_id:
        row = store.guardian(session, student.school_id, entry.released_to_id)
        return row.name if row else "监护人"
    if entry.released_to_kind is ReleasedToKind.DELEGATE and entry.released_to_id:
        row = store.delegation(session, uuid.UUID(entry.released_to_id))
        return f"受托人{row.delegate_name}" if row else "受托人"
    return "经学校人工核验的接送人"


def _check_gate(session: Session, actor: Actor, school: Any) -> None:
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("gate events come from the school's gate devices")
    if actor.id not in school.gate_device_ids or not active_device_ids(session, {actor.id}):
        raise Forbidden("this device is not an active gate of the school")


def record_gate_event(
    session: Session,
    events: EventStager,
    actor: Actor,
    school_id: str,
    request: GateEventIn,
    now: datetime,
    pickup_rules: PickupRules,
) -> GateDecision:
    """Decide release or hold for one gate event, record it in the child's log, and tell the
    guardians (release) or alert the school's staff (hold), all in one transaction."""
    school = store.school(session, school_id)
    if school is None:
        raise NotFound("no such school")
    _check_gate(session, actor, school)
    with _refusals():
        rules.check_event_time(request.seen_at, now)
    # the child's row lock makes decisions about one child one at a time: two guardians at two
    # gates cannot both be told "released"
    student = store.student_by_ref(session, school_id, request.student_ref)
    if student is None:
        raise NotFound("no such student at the school")
    previous = store.custody_by_gate_event(session, school_id, request.gate_event_id)
    if previous is not None:  # the same event from another gate of the school
        entry = _entry(previous)
        return _decision(school_id, entry, replayed=True)
    at = request.seen_at
    day = rules.local_day(at)
    facts = StudentFacts(
        authorisations=_grants(store.authorisations_of(session, school_id, student.student_id)),
        delegations=[
            DelegationGrant(
                str(d.delegation_id),
                d.guardian_id,
                d.delegate_person_ref,
                d.valid_from,
                d.valid_until,
                used=d.used_at is not None,
            )
            for d in store.delegations_of(
                session, school_id, student.student_id, at - DELEGATION_LOOKBACK
            )
        ],
        sessions=[
            Window(s.starts_at, s.ends_at)
            for s in store.sessions_of(session, school_id, student.class_id, at)
        ],
        already_released=store.released_today(session, school_id, student.student_id, day),
    )
    decision = rules.decide(
        GateObservation(request.person_ref, request.confidence, at), facts, now, pickup_rules
    )
    authority = decision.authority
    delegation_id = (
        uuid.UUID(authority.id)
        if authority is not None and authority.kind is ReleasedToKind.DELEGATE
        else None
    )
    if decision.released and delegation_id is not None:
        store.spend_delegation(session, delegation_id, at)
    entry = _append(
        session,
        events,
        school,
        {
            "school_id": school_id,
            "student_id": student.student_id,
            "day": day,
            "kind": str(CustodyKind.RELEASED if decision.released else CustodyKind.HELD),
            "at": at,
            "gate_event_id": request.gate_event_id,
            "device_id": actor.id,
            "person_ref": request.person_ref,
            "confidence": request.confidence,
            "reasons": [str(r) for r in decision.reasons],
            "released_to_kind": str(authority.kind) if decision.released and authority else None,
            "released_to_id": authority.id if decision.released and authority else None,
            "delegation_id": delegation_id,
            "decided_by": actor.id,
            "recorded_at": now,
        },
    )
    if decision.released:
        _tell_guardians(session, events, student, entry, _released_to_name(session, student, entry))
    else:
        _alert_staff(session, events, school, student, entry)
    return _decision(school_id, entry, replayed=False)


def _decision(school_id: str, entry: CustodyEntry, *, replayed: bool) -> GateDecision:
    return GateDecision(
        gate_event_id=entry.gate_event_id or "",
        school_id=school_id,
        student_id=entry.student_id,
        released=entry.kind is CustodyKind.RELEASED,
        reasons=entry.reasons,
        entry=entry,
        replayed=replayed,
    )


def resolve_hold(
    session: Session,
    events: EventStager,
    actor: Actor,
    school_id: str,
    entry_id: uuid.UUID,
    request: HoldResolve,
    now: datetime,
) -> CustodyEntry:
    """Staff checked the person at the gate: release the child to them, or refuse. A hold is
    resolved once, and a child released today is not released again."""
    school = school_in_scope(session, actor, school_id)
    hold = store.custody_entry(session, school_id, entry_id)
    if hold is None or hold.kind != CustodyKind.HELD:
        raise NotFound("no such hold")
    student = _student(session, school_id, hold.student_id, lock=True)
    if store.resolution_of(session, entry_id) is not None:
        raise Conflict("this hold is resolved already")
    release = request.resolution is HoldResolution.RELEASE
    if release and store.released_today(session, school_id, hold.student_id, hold.day):
        raise Conflict("the child was released already today: refuse this hold instead")
    if release and hold.delegation_id is not None:
        store.spend_delegation(session, hold.delegation_id, now)
    entry = _append(
        session,
        events,
        school,
        {
            "school_id": school_id,
            "student_id": hold.student_id,
            "day": hold.day,
            "kind": str(CustodyKind.MANUALLY_RELEASED if release else CustodyKind.REFUSED),
            "at": now,
            "gate_event_id": None,
            "device_id": hold.device_id,
            "person_ref": hold.person_ref,
            "confidence": None,
            "reasons": [],
            "released_to_kind": str(ReleasedToKind.VERIFIED_PERSON) if release else None,
            "released_to_id": hold.person_ref if release else None,
            "resolves_entry_id": entry_id,
            "decided_by": _who(actor),
            "note": request.note,
            "recorded_at": now,
        },
    )
    if release:
        _tell_guardians(session, events, student, entry, _released_to_name(session, student, entry))
    return entry


def list_holds(
    session: Session, actor: Actor, school_id: str, query: HoldsQuery
) -> Page[CustodyEntry]:
    school_in_scope(session, actor, school_id)
    rows = store.holds(
        session, school_id, query.day, query.open_only, _hold_cursor(query.cursor), query.limit
    )
    cursor = None
    if len(rows) == query.limit:
        cursor = f"{rows[-1].at.isoformat()}|{rows[-1].entry_id}"
    return Page[CustodyEntry](items=[_entry(r) for r in rows], next_cursor=cursor)


def _hold_cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        instant, _, key = raw.partition("|")
        at = datetime.fromisoformat(instant)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, uuid.UUID(key)
    except ValueError:
        raise ValidationFailed("invalid cursor") from None


def custody_log(
    session: Session, actor: Actor, school_id: str, student_id: str, query: CustodyQuery
) -> Page[CustodyEntry]:
    """The child's day, line by line in order; `next_cursor` is the last line's number."""
    school_in_scope(session, actor, school_id)
    _student(session, school_id, student_id)
    rows = store.custody_log(
        session, school_id, student_id, query.day, query.after_seq, query.limit
    )
    return Page[CustodyEntry](
        items=[_entry(r) for r in rows],
        next_cursor=str(rows[-1].seq) if len(rows) == query.limit else None,
    )


def _counts(by_kind: Counter[str]) -> dict[str, int]:
    gate = by_kind[CustodyKind.RELEASED]
    manual = by_kind[CustodyKind.MANUALLY_RELEASED]
    return {
        "pickups": gate + manual,
        "gate_releases": gate,
        "manual_verifications": manual,
        "refusals": by_kind[CustodyKind.REFUSED],
        "holds": by_kind[CustodyKind.HELD],
    }


def report(session: Session, actor: Actor, school_id: str, query: ReportQuery) -> PickupReport:
    school_in_scope(session, actor, school_id)
    per_day: dict[Any, Counter[str]] = {}
    total: Counter[str] = Counter()
    for row in store.counts_by_day(session, school_id, query.first_day, query.last_day):
        per_day.setdefault(row.day, Counter())[row.kind] += row.n
        total[row.kind] += row.n
    return PickupReport(
        school_id=school_id,
        first_day=query.first_day,
        last_day=query.last_day,
        totals=PickupCounts(**_counts(total)),
        days=[PickupReportDay(day=d, **_counts(c)) for d, c in sorted(per_day.items())],
    )
