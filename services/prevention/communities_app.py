"""Smart-community use cases: communities and their gates (administrators), households,
residents and guardians (officers within their scope), face-gate consent and notification
contacts (the residents themselves, or a child's guardians, with their citizen accounts), and
access events reported by the gates, with the messages they cause."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.dependencies import EventStager
from contracts.actor import Actor, ActorKind, in_scope
from contracts.citizens import masked_phone
from contracts.communities import (
    ACCESS_RECORDED,
    FACE_ENROLMENT_GRANTED,
    FACE_ENROLMENT_WITHDRAWN,
    MAX_GUARDIANS,
    AccessEvent,
    AccessEventIn,
    AccessQuery,
    AccessReceipt,
    AccessRecorded,
    Community,
    CommunityCreate,
    ConsentBy,
    ConsentDecision,
    ConsentRecord,
    Direction,
    FaceEnrolment,
    FaceEnrolmentCommand,
    GateAssignment,
    Guardian,
    GuardianCreate,
    Household,
    HouseholdCreate,
    MyResident,
    MyResidents,
    NotificationChoice,
    NotificationSettings,
    Resident,
    ResidentCreate,
)
from contracts.errors import Conflict, Forbidden, NotFound, PurposeRequired, ValidationFailed
from contracts.notifications import (
    MAX_BODY_CHARS,
    Channel,
    NotificationRequest,
    notification_requested,
)
from contracts.values import Page, PageRequest
from services.prevention import communities_store as store
from services.prevention.domain import communities as rules
from services.prevention.domain.communities import (
    CommunityRuleBroken,
    Contact,
    NotAcceptable,
    NotEntitled,
    Subject,
)

ADMIN_ROLE = "admin"
PRODUCER = "prevention"
NOTIFICATION_CATEGORY = "community_access"
#: access events and their messages have ids that follow from the gate's own event id, so a
#: repeated report is the same event and the same messages everywhere downstream
ACCESS_NAMESPACE = uuid.UUID("0c3f7a51-9e2b-4d86-a4c1-5b7e2f90d13a")


@contextmanager
def _refusals() -> Iterator[None]:
    """The domain's refusals as the catalogue's errors."""
    try:
        yield
    except NotEntitled as exc:
        raise Forbidden(str(exc)) from None
    except CommunityRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _id_cursor(raw: str | None) -> uuid.UUID | None:
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationFailed("invalid cursor") from None


def _time_cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    """`<ISO instant>|<uuid>`, as the listings hand them out."""
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


def _masked(phone: str | None) -> str | None:
    return masked_phone(phone) if phone else None


# -- who may do what ---------------------------------------------------------------------------


def check_admin(actor: Actor) -> None:
    if ADMIN_ROLE not in actor.roles:
        raise Forbidden("only an administrator creates communities and assigns their gates")


def _scope(actor: Actor) -> str:
    if not actor.scope:
        raise Forbidden("communities are kept within a unit's jurisdiction: an officer's scope")
    return actor.scope


def _check_purpose(actor: Actor) -> None:
    """Residents are personal data: an officer names why (the gateway demands it too)."""
    if actor.purpose is None:
        raise PurposeRequired("residents' data is served only for a declared purpose")


def _citizen(actor: Actor) -> str:
    if actor.kind is not ActorKind.CITIZEN:
        raise Forbidden(
            "consent and contacts are the resident's own decision (or a child's guardian's), "
            "made with their citizen account"
        )
    return actor.id


def _community_row(session: Session, actor: Actor, community_id: str) -> Any:
    """The community if the actor's scope reaches it; out of scope it does not exist."""
    row = store.community(session, community_id)
    if row is None or not in_scope(_scope(actor), row.unit_path):
        raise NotFound("no such community")
    return row


def _resident_row(session: Session, actor: Actor, resident_id: uuid.UUID) -> Any:
    row = store.resident(session, resident_id)
    if row is None:
        raise NotFound("no such resident")
    _community_row(session, actor, row.community_id)  # out of scope: no such resident either
    return row


# -- communities and gates ---------------------------------------------------------------------


def _community(row: Any, gate_ids: list[str]) -> Community:
    return Community(
        community_id=row.community_id,
        name=row.name,
        unit_path=row.unit_path,
        address=row.address,
        place_id=row.place_id,
        gate_ids=gate_ids,
        created_at=_utc(row.created_at),
    )


def create_community(
    session: Session, actor: Actor, request: CommunityCreate, now: datetime
) -> Community:
    check_admin(actor)
    if not in_scope(_scope(actor), request.unit_path):
        raise Forbidden("the community's unit lies outside your scope")
    added = store.add_community(
        session,
        {**request.model_dump(), "created_at": now, "created_by": actor.id},
    )
    if not added:
        raise Conflict("a community with this id exists")
    return get_community(session, actor, request.community_id)


def get_community(session: Session, actor: Actor, community_id: str) -> Community:
    row = _community_row(session, actor, community_id)
    return _community(row, store.gates_of(session, [community_id])[community_id])


def list_communities(session: Session, actor: Actor, page: PageRequest) -> Page[Community]:
    rows = store.communities_in_scope(session, _scope(actor), page.cursor, page.limit)
    gates = store.gates_of(session, [r.community_id for r in rows])
    return Page[Community](
        items=[_community(r, gates[r.community_id]) for r in rows],
        next_cursor=rows[-1].community_id if len(rows) == page.limit else None,
    )


def assign_gates(
    session: Session, actor: Actor, community_id: str, request: GateAssignment, now: datetime
) -> Community:
    """Gates are registered devices of kind `gate`; each opens onto one community."""
    check_admin(actor)
    _community_row(session, actor, community_id)
    wanted = sorted(set(request.gate_ids))
    found = store.gate_devices(session, wanted)
    problems = []
    for device_id in wanted:
        device = found.get(device_id)
        if device is None:
            problems.append({"field": "gate_ids", "problem": f"{device_id}: not registered"})
        elif device.kind != "gate":
            problems.append({"field": "gate_ids", "problem": f"{device_id}: not a gate"})
        elif not device.active:
            problems.append({"field": "gate_ids", "problem": f"{device_id}: decommissioned"})
        elif device.community_id not in (None, community_id):
            problems.append(
                {"field": "gate_ids", "problem": f"{device_id}: assigned to another community"}
            )
    if problems:
        reasons = "; ".join(p["problem"] for p in problems)
        raise Conflict(f"not this community's gates: {reasons}", errors=problems)
    store.assign_gates(session, community_id, wanted, now)
    return get_community(session, actor, community_id)


# -- households --------------------------------------------------------------------------------


def _household(row: Any) -> Household:
    return Household(
        household_id=row.household_id,
        community_id=row.community_id,
        unit_room=row.unit_room,
        created_at=_utc(row.created_at),
    )


def create_household(
    session: Session, actor: Actor, community_id: str, request: HouseholdCreate, now: datetime
) -> Household:
    _community_row(session, actor, community_id)
    household_id = uuid.uuid4()
    values = {
        "household_id": household_id,
        "community_id": community_id,
        "unit_room": request.unit_room,
        "created_at": now,
    }
    if not store.add_household(session, values):
        raise Conflict("the community has a household in this unit and room")
    return _household(store.household(session, household_id))


def list_households(
    session: Session, actor: Actor, community_id: str, page: PageRequest
) -> Page[Household]:
    _community_row(session, actor, community_id)
    rows = store.households_of(session, community_id, _id_cursor(page.cursor), page.limit)
    return Page[Household](
        items=[_household(r) for r in rows],
        next_cursor=str(rows[-1].household_id) if len(rows) == page.limit else None,
    )


# -- residents and guardians -------------------------------------------------------------------


def _resident(row: Any, now: datetime) -> Resident:
    return Resident(
        resident_id=row.resident_id,
        household_id=row.household_id,
        community_id=row.community_id,
        unit_room=row.unit_room,
        resident_ref=row.resident_ref,
        name=row.name,
        birth_date=row.birth_date,
        age_group=rules.age_group(row.birth_date, rules.local_date(now)),
        phone=_masked(row.phone),
        has_account=row.citizen_id is not None,
        enrolled=bool(row.enrolled),
        notifications_opted_in=bool(row.opted_in),
        created_at=_utc(row.created_at),
    )


def register_resident(
    session: Session, actor: Actor, community_id: str, request: ResidentCreate, now: datetime
) -> Resident:
    _check_purpose(actor)
    _community_row(session, actor, community_id)
    household = store.household(session, request.household_id)
    if household is None or household.community_id != community_id:
        raise NotFound("no such household in this community")
    with _refusals():
        rules.check_birth_date(request.birth_date, rules.local_date(now))
    resident_id = uuid.uuid4()
    store.add_resident(
        session,
        {
            "resident_id": resident_id,
            "household_id": request.household_id,
            "community_id": community_id,
            "resident_ref": rules.new_resident_ref(),
            "name": request.name,
            "birth_date": request.birth_date,
            "phone": request.phone.removeprefix("+86") if request.phone else None,
            "citizen_id": request.citizen_id,
            "created_at": now,
            "created_by": actor.id,
        },
    )
    return _resident(store.resident(session, resident_id), now)


def get_resident(session: Session, actor: Actor, resident_id: uuid.UUID, now: datetime) -> Resident:
    _check_purpose(actor)
    return _resident(_resident_row(session, actor, resident_id), now)


def list_residents(
    session: Session, actor: Actor, community_id: str, page: PageRequest, now: datetime
) -> Page[Resident]:
    _check_purpose(actor)
    _community_row(session, actor, community_id)
    rows = store.residents_of(session, community_id, _id_cursor(page.cursor), page.limit)
    return Page[Resident](
        items=[_resident(r, now) for r in rows],
        next_cursor=str(rows[-1].resident_id) if len(rows) == page.limit else None,
    )


def _guardian(row: Any) -> Guardian:
    resident_guardian = row.guardian_resident_id is not None
    return Guardian(
        guardian_id=row.guardian_id,
        child_id=row.child_id,
        resident_id=row.guardian_resident_id,
        name=row.kin_name if resident_guardian else row.own_name,
        phone=_masked(row.kin_phone if resident_guardian else row.own_phone),
        has_account=(row.kin_citizen_id if resident_guardian else row.own_citizen_id) is not None,
        relation=row.relation,
        created_at=_utc(row.created_at),
    )


def add_guardian(
    session: Session, actor: Actor, child_id: uuid.UUID, request: GuardianCreate, now: datetime
) -> Guardian:
    _check_purpose(actor)
    child = _resident_row(session, actor, child_id)
    store.resident(session, child_id, lock=True)  # one guardian at a time per child
    guardian_birth = None
    if request.resident_id is not None:
        kin = store.resident(session, request.resident_id)
        if kin is None or kin.community_id != child.community_id:
            raise NotFound("no such resident in the child's community")
        if kin.resident_id == child.resident_id:
            raise ValidationFailed("a child is not their own guardian")
        if store.is_guardian(session, child_id, kin.resident_id):
            raise Conflict("this resident is already the child's guardian")
        guardian_birth = kin.birth_date
    with _refusals():
        rules.check_guardian(child.birth_date, guardian_birth, rules.local_date(now))
    if store.count_guardians(session, child_id) >= MAX_GUARDIANS:
        raise Conflict(f"a child has at most {MAX_GUARDIANS} guardians on record")
    guardian_id = uuid.uuid4()
    store.add_guardian(
        session,
        {
            "guardian_id": guardian_id,
            "child_id": child_id,
            "guardian_resident_id": request.resident_id,
            "name": request.name,
            "phone": request.phone.removeprefix("+86") if request.phone else None,
            "citizen_id": request.citizen_id,
            "relation": request.relation,
            "created_at": now,
        },
    )
    return next(
        _guardian(g)
        for g in store.guardians_of(session, [child_id])
        if g.guardian_id == guardian_id
    )


def list_guardians(session: Session, actor: Actor, child_id: uuid.UUID) -> list[Guardian]:
    _check_purpose(actor)
    _resident_row(session, actor, child_id)
    return [_guardian(g) for g in store.guardians_of(session, [child_id])]


def _subject(session: Session, row: Any) -> Subject:
    """The resident as the rules need them: guardians' and chosen contacts' phones included."""
    guardians = tuple(
        Contact(name=g.kin_name, phone=g.kin_phone, citizen_id=g.kin_citizen_id)
        if g.guardian_resident_id is not None
        else Contact(name=g.own_name, phone=g.own_phone, citizen_id=g.own_citizen_id)
        for g in store.guardians_of(session, [row.resident_id])
    )
    chosen = tuple(
        Contact(name=c.name, phone=c.phone)
        for c in store.chosen_contacts_of(session, row.resident_id)
    )
    return Subject(
        birth_date=row.birth_date,
        citizen_id=row.citizen_id,
        guardians=guardians,
        opted_in=bool(row.opted_in),
        chosen_contacts=chosen,
    )


# -- consent -----------------------------------------------------------------------------------


def decide_consent(
    session: Session,
    events: EventStager,
    actor: Actor,
    resident_id: uuid.UUID,
    decision: ConsentDecision,
    now: datetime,
) -> FaceEnrolment:
    """Grant or withdraw a resident's face enrolment, as the adult themselves or as one of a
    child's guardians. Withdrawal deletes the enrolment (the history keeps who, when and
    what) and tells the community's gates to delete the template; granting tells them to
    enrol. Deciding what already stands changes nothing and sends nothing."""
    citizen_id = _citizen(actor)
    row = store.resident(session, resident_id, lock=True)
    if row is None:
        raise NotFound("no such resident")
    with _refusals():
        capacity = rules.consent_capacity(_subject(session, row), citizen_id, rules.local_date(now))
    enrolled = bool(row.enrolled)
    unchanged = FaceEnrolment(
        resident_id=row.resident_id,
        community_id=row.community_id,
        resident_ref=row.resident_ref,
        enrolled=enrolled,
        decision=decision,
        decided_as=capacity,
        decided_at=now,
        changed=False,
    )
    if enrolled == (decision is ConsentDecision.GRANTED):
        return unchanged
    consent_id = uuid.uuid4()
    store.add_consent(
        session,
        {
            "consent_id": consent_id,
            "resident_id": resident_id,
            "decision": str(decision),
            "decided_as": str(capacity),
            "decided_by": citizen_id,
            "decided_at": now,
        },
    )
    if decision is ConsentDecision.GRANTED:
        store.enrol(session, resident_id, consent_id, now)
    else:
        store.delete_enrolment(session, resident_id)
    events.stage(
        session,
        FACE_ENROLMENT_GRANTED if decision is ConsentDecision.GRANTED else FACE_ENROLMENT_WITHDRAWN,
        FaceEnrolmentCommand(
            consent_id=consent_id,
            community_id=row.community_id,
            resident_ref=row.resident_ref,
            gate_ids=store.gates_of(session, [row.community_id])[row.community_id],
            decided_at=now,
        ),
    )
    return unchanged.model_copy(
        update={"enrolled": decision is ConsentDecision.GRANTED, "changed": True}
    )


def consent_history(
    session: Session, actor: Actor, resident_id: uuid.UUID, page: PageRequest
) -> Page[ConsentRecord]:
    _check_purpose(actor)
    _resident_row(session, actor, resident_id)
    rows = store.consent_history(session, resident_id, _time_cursor(page.cursor), page.limit)
    return Page[ConsentRecord](
        items=[
            ConsentRecord(
                consent_id=r.consent_id,
                resident_id=r.resident_id,
                decision=ConsentDecision(r.decision),
                decided_as=ConsentBy(r.decided_as),
                decided_by=r.decided_by,
                decided_at=_utc(r.decided_at),
            )
            for r in rows
        ],
        next_cursor=(
            f"{_utc(rows[-1].decided_at).isoformat()}|{rows[-1].consent_id}"
            if len(rows) == page.limit
            else None
        ),
    )


# -- a resident's own choices ------------------------------------------------------------------


def choose_notifications(
    session: Session,
    actor: Actor,
    resident_id: uuid.UUID,
    choice: NotificationChoice,
    now: datetime,
) -> NotificationSettings:
    """An adult opts in (naming their contacts) or out, for themselves only; opting out takes
    effect for the very next passage."""
    citizen_id = _citizen(actor)
    row = store.resident(session, resident_id, lock=True)
    if row is None:
        raise NotFound("no such resident")
    with _refusals():
        rules.check_contact_chooser(_subject(session, row), citizen_id, rules.local_date(now))
    contacts = [(c.name, c.phone.removeprefix("+86")) for c in choice.contacts]
    store.set_notification_choice(session, resident_id, choice.opted_in, contacts, now)
    return NotificationSettings(
        resident_id=resident_id,
        opted_in=choice.opted_in,
        contacts=[masked_phone(phone) for _, phone in contacts],
        changed_at=now,
    )


def my_residents(session: Session, actor: Actor, now: datetime) -> MyResidents:
    """The residents a citizen decides for: themselves, and the children they are guardian
    of (as long as they are children)."""
    citizen_id = _citizen(actor)
    today = rules.local_date(now)
    items = []
    for row in store.residents_of_citizen(session, citizen_id):
        try:
            capacity = rules.consent_capacity(_subject(session, row), citizen_id, today)
        except NotEntitled:
            continue  # a child on their own account, or a ward who came of age
        items.append(
            MyResident(
                resident_id=row.resident_id,
                community_id=row.community_id,
                community_name=row.community_name,
                name=row.name,
                age_group=rules.age_group(row.birth_date, today),
                decided_as=capacity,
                enrolled=bool(row.enrolled),
                notifications_opted_in=bool(row.opted_in),
            )
        )
    return MyResidents(items=items)


# -- access events -----------------------------------------------------------------------------


def access_event_id(gate_id: str, gate_event_id: str) -> uuid.UUID:
    return uuid.uuid5(ACCESS_NAMESPACE, f"{gate_id}|{gate_event_id}")


def _gate_of(session: Session, actor: Actor, community_id: str, gate_id: str) -> None:
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("access events come from the community's gates, with their credentials")
    if gate_id != actor.id:
        raise Forbidden("a gate reports its own passages only")
    if store.community_of_gate(session, actor.id) != community_id:
        raise Forbidden("this device is not an active gate of the community")


def record_access(
    session: Session,
    events: EventStager,
    actor: Actor,
    community_id: str,
    event: AccessEventIn,
    now: datetime,
) -> AccessReceipt:
    """Record a gate's report of an enrolled resident's passage, announce it, and send the
    snapshot to whoever the rules allow (nobody, often). A report about somebody unknown or
    no longer enrolled is refused: the gate must not hold their template."""
    _gate_of(session, actor, community_id, event.gate_id)
    try:
        rules.check_occurred_at(event.occurred_at, now)
    except NotAcceptable as exc:
        raise ValidationFailed(
            str(exc), errors=[{"field": "occurred_at", "problem": "out_of_range"}]
        ) from None
    resident = store.resident_by_ref(session, community_id, event.resident_ref)
    if resident is None:
        raise Conflict("unknown resident: no resident of this community has this reference")
    if not resident.enrolled:
        if store.last_decision(session, resident.resident_id) == ConsentDecision.WITHDRAWN:
            raise Conflict(
                "the resident withdrew consent: the gate must delete the template, "
                "and their passages are not recorded"
            )
        raise Conflict("the resident is not enrolled: no consent stands")
    event_id = access_event_id(event.gate_id, event.gate_event_id)
    receipt = AccessReceipt(
        event_id=event_id, gate_event_id=event.gate_event_id, notified=0, replayed=False
    )
    try:
        with session.begin_nested():
            added = store.add_access_event(
                session,
                {
                    "event_id": event_id,
                    "community_id": community_id,
                    "gate_id": event.gate_id,
                    "gate_event_id": event.gate_event_id,
                    "resident_id": resident.resident_id,
                    "resident_ref": resident.resident_ref,
                    "direction": str(event.direction),
                    "occurred_at": event.occurred_at,
                    "recorded_at": now,
                },
                event.snapshot_ref,
            )
    except IntegrityError:  # the same event id under another gate's id cannot happen
        added = False
    if not added:
        return receipt.model_copy(update={"replayed": True})
    community = store.community(session, community_id)
    events.stage(
        session,
        ACCESS_RECORDED,
        AccessRecorded(
            event_id=event_id,
            community_id=community_id,
            unit_path=community.unit_path,
            gate_id=event.gate_id,
            resident_ref=resident.resident_ref,
            direction=event.direction,
            occurred_at=_utc(event.occurred_at),
            has_snapshot=event.snapshot_ref is not None,
        ),
    )
    recipients = rules.snapshot_recipients(
        _subject(session, resident), rules.local_date(event.occurred_at)
    )
    body = rules.access_message(
        resident.name,
        community.name,
        Direction(event.direction),
        event.occurred_at,
        event.snapshot_ref or "",
    )[:MAX_BODY_CHARS]
    for contact in recipients:
        events.stage(
            session,
            notification_requested(PRODUCER),
            NotificationRequest(
                notification_id=uuid.uuid5(ACCESS_NAMESPACE, f"{event_id}|{contact.phone}"),
                channel=Channel.SMS,
                phone=contact.phone,
                body=body,
                category=NOTIFICATION_CATEGORY,
            ),
        )
    return receipt.model_copy(update={"notified": len(recipients)})


def list_access_events(
    session: Session, actor: Actor, community_id: str, query: AccessQuery
) -> Page[AccessEvent]:
    _check_purpose(actor)
    _community_row(session, actor, community_id)
    rows = store.access_events_of(
        session, community_id, query.resident_id, _time_cursor(query.cursor), query.limit
    )
    return Page[AccessEvent](
        items=[
            AccessEvent(
                event_id=r.event_id,
                community_id=r.community_id,
                gate_id=r.gate_id,
                gate_event_id=r.gate_event_id,
                resident_id=r.resident_id,
                resident_ref=r.resident_ref,
                direction=Direction(r.direction),
                occurred_at=_utc(r.occurred_at),
                recorded_at=_utc(r.recorded_at),
                snapshot_ref=r.snapshot_ref,
            )
            for r in rows
        ],
        next_cursor=(
            f"{_utc(rows[-1].occurred_at).isoformat()}|{rows[-1].event_id}"
            if len(rows) == query.limit
            else None
        ),
    )
