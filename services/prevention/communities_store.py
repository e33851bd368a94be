"""Tables of smart communities (schema `prevention`) and the queries over them.

No face template is stored anywhere here: a resident is known to the gates by an opaque
`resident_ref`, and an enrolment row only says that consent stands."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from chassis.retention import DataClass
from services.prevention.store import devices, metadata


def _utc() -> DateTime:
    return DateTime(timezone=True)


communities = Table(
    "communities",
    metadata,
    Column("community_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("address", String(300)),
    Column("place_id", String(64)),
    Column("created_at", _utc(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Index("communities_unit_path", "unit_path"),
)

community_gates = Table(
    "community_gates",
    metadata,
    # a gate opens onto one community
    Column("device_id", String(64), ForeignKey("devices.device_id"), primary_key=True),
    Column("community_id", String(64), ForeignKey("communities.community_id"), nullable=False),
    Column("assigned_at", _utc(), nullable=False),
    Index("community_gates_community", "community_id"),
)

households = Table(
    "community_households",
    metadata,
    Column("household_id", UUID(as_uuid=True), primary_key=True),
    Column("community_id", String(64), ForeignKey("communities.community_id"), nullable=False),
    Column("unit_room", String(64), nullable=False),
    Column("created_at", _utc(), nullable=False),
    UniqueConstraint("community_id", "unit_room", name="community_household_room"),
)

residents = Table(
    "community_residents",
    metadata,
    Column("resident_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "household_id",
        UUID(as_uuid=True),
        ForeignKey("community_households.household_id"),
        nullable=False,
    ),
    Column("community_id", String(64), ForeignKey("communities.community_id"), nullable=False),
    Column("resident_ref", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("phone", String(20)),
    Column("citizen_id", String(64)),
    Column("created_at", _utc(), nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("community_id", "resident_ref", name="community_resident_ref"),
    Index("community_residents_citizen", "citizen_id"),
    Index("community_residents_community", "community_id", "resident_id"),
)

guardians = Table(
    "community_guardians",
    metadata,
    Column("guardian_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "child_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        nullable=False,
    ),
    # a guardian who lives in the community: name, phone and account are the resident's own
    Column(
        "guardian_resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
    ),
    Column("name", String(100)),
    Column("phone", String(20)),
    Column("citizen_id", String(64)),
    Column("relation", String(32)),
    Column("created_at", _utc(), nullable=False),
    CheckConstraint(
        "(guardian_resident_id IS NULL) = (name IS NOT NULL AND phone IS NOT NULL)",
        name="community_guardian_resident_or_contact",
    ),
    Index("community_guardians_child", "child_id"),
    Index("community_guardians_citizen", "citizen_id"),
    Index("community_guardians_resident", "guardian_resident_id"),
)

#: consent stands: the terminals may hold the resident's template. Deleted on withdrawal.
enrolments = Table(
    "community_face_enrolments",
    metadata,
    Column(
        "resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        primary_key=True,
    ),
    Column("consent_id", UUID(as_uuid=True), nullable=False),
    Column("enrolled_at", _utc(), nullable=False),
)

#: the consent history: who decided what and when; kept when an enrolment is deleted
consents = Table(
    "community_face_consents",
    metadata,
    Column("consent_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        nullable=False,
    ),
    Column("decision", String(16), nullable=False),
    Column("decided_as", String(16), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", _utc(), nullable=False),
    CheckConstraint("decision IN ('granted', 'withdrawn')", name="community_consent_decision"),
    Index("community_face_consents_resident", "resident_id", "decided_at"),
)

notification_choices = Table(
    "community_notification_choices",
    metadata,
    Column(
        "resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        primary_key=True,
    ),
    Column("opted_in", Boolean, nullable=False),
    Column("changed_at", _utc(), nullable=False),
)

chosen_contacts = Table(
    "community_chosen_contacts",
    metadata,
    Column(
        "resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("phone", String(20), nullable=False),
)

access_events = Table(
    "community_access_events",
    metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("community_id", String(64), ForeignKey("communities.community_id"), nullable=False),
    Column("gate_id", String(64), nullable=False),
    Column("gate_event_id", String(128), nullable=False),
    Column(
        "resident_id",
        UUID(as_uuid=True),
        ForeignKey("community_residents.resident_id"),
        nullable=False,
    ),
    Column("resident_ref", String(32), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("occurred_at", _utc(), nullable=False),
    Column("recorded_at", _utc(), nullable=False),
    UniqueConstraint("gate_id", "gate_event_id", name="community_access_gate_event"),
    CheckConstraint("direction IN ('in', 'out')", name="community_access_direction"),
    Index("community_access_events_listing", "community_id", "occurred_at", "event_id"),
    Index("community_access_events_recorded", "recorded_at"),
    Index("community_access_events_resident", "resident_id"),
)

#: snapshot references, kept (much) shorter than the passages they belong to
access_snapshots = Table(
    "community_access_snapshots",
    metadata,
    Column(
        "event_id",
        UUID(as_uuid=True),
        ForeignKey("community_access_events.event_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("snapshot_ref", String(200), nullable=False),
    Column("recorded_at", _utc(), nullable=False),
    Index("community_access_snapshots_recorded", "recorded_at"),
)


# -- communities and gates ---------------------------------------------------------------------


def add_community(session: Session, values: dict[str, Any]) -> bool:
    inserted = session.execute(
        pg_insert(communities)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(communities.c.community_id)
    ).first()
    return inserted is not None


def community(session: Session, community_id: str, *, lock: bool = False) -> Any:
    statement = select(communities).where(communities.c.community_id == community_id)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).first()


def _under(column: Any, scope: str) -> Any:
    return or_(column == scope, column.startswith(scope + "/", autoescape=True))


def communities_in_scope(session: Session, scope: str, after: str | None, limit: int) -> list[Any]:
    statement = select(communities).where(_under(communities.c.unit_path, scope))
    if after is not None:
        statement = statement.where(communities.c.community_id > after)
    rows = session.execute(statement.order_by(communities.c.community_id).limit(limit)).all()
    return list(rows)


def gates_of(session: Session, community_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {c: [] for c in community_ids}
    rows = session.execute(
        select(community_gates.c.community_id, community_gates.c.device_id)
        .where(community_gates.c.community_id.in_(community_ids))
        .order_by(community_gates.c.device_id)
    )
    for community_id, device_id in rows:
        found[community_id].append(device_id)
    return found


def gate_devices(session: Session, device_ids: Sequence[str]) -> dict[str, Any]:
    """Registered devices among `device_ids`, with the community each is assigned to."""
    rows = session.execute(
        select(
            devices.c.device_id, devices.c.kind, devices.c.active, community_gates.c.community_id
        )
        .select_from(devices.outerjoin(community_gates))
        .where(devices.c.device_id.in_(device_ids))
    )
    return {r.device_id: r for r in rows}


def assign_gates(
    session: Session, community_id: str, device_ids: Sequence[str], now: datetime
) -> None:
    session.execute(
        pg_insert(community_gates)
        .values(
            [{"device_id": d, "community_id": community_id, "assigned_at": now} for d in device_ids]
        )
        .on_conflict_do_nothing()
    )


def community_of_gate(session: Session, device_id: str) -> Any:
    """The gate's community, if the device is an active gate assigned to one."""
    return session.execute(
        select(community_gates.c.community_id)
        .join(devices, devices.c.device_id == community_gates.c.device_id)
        .where(
            community_gates.c.device_id == device_id,
            devices.c.kind == "gate",
            devices.c.active.is_(True),
        )
    ).scalar()


# -- households and residents ------------------------------------------------------------------


def add_household(session: Session, values: dict[str, Any]) -> bool:
    inserted = session.execute(
        pg_insert(households)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(households.c.household_id)
    ).first()
    return inserted is not None


def household(session: Session, household_id: uuid.UUID) -> Any:
    return session.execute(
        select(households).where(households.c.household_id == household_id)
    ).first()


def households_of(
    session: Session, community_id: str, after: uuid.UUID | None, limit: int
) -> list[Any]:
    statement = select(households).where(households.c.community_id == community_id)
    if after is not None:
        statement = statement.where(households.c.household_id > after)
    return list(session.execute(statement.order_by(households.c.household_id).limit(limit)).all())


def add_resident(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(residents).values(**values))


def _resident_view() -> Any:
    enrolled = exists().where(enrolments.c.resident_id == residents.c.resident_id)
    opted_in = exists().where(
        notification_choices.c.resident_id == residents.c.resident_id,
        notification_choices.c.opted_in.is_(True),
    )
    return select(
        residents,
        households.c.unit_room,
        enrolled.label("enrolled"),
        opted_in.label("opted_in"),
    ).join(households, households.c.household_id == residents.c.household_id)


def resident(session: Session, resident_id: uuid.UUID, *, lock: bool = False) -> Any:
    if lock:
        session.execute(
            select(residents.c.resident_id)
            .where(residents.c.resident_id == resident_id)
            .with_for_update()
        )
    return session.execute(_resident_view().where(residents.c.resident_id == resident_id)).first()


def residents_of(
    session: Session, community_id: str, after: uuid.UUID | None, limit: int
) -> list[Any]:
    statement = _resident_view().where(residents.c.community_id == community_id)
    if after is not None:
        statement = statement.where(residents.c.resident_id > after)
    return list(session.execute(statement.order_by(residents.c.resident_id).limit(limit)).all())


def resident_by_ref(session: Session, community_id: str, resident_ref: str) -> Any:
    return session.execute(
        _resident_view().where(
            residents.c.community_id == community_id, residents.c.resident_ref == resident_ref
        )
    ).first()


def residents_of_citizen(session: Session, citizen_id: str) -> list[Any]:
    """Residents whose own account this is, and children this account is a guardian of."""
    guardian_accounts = (
        select(guardians.c.child_id)
        .outerjoin(residents, residents.c.resident_id == guardians.c.guardian_resident_id)
        .where(or_(guardians.c.citizen_id == citizen_id, residents.c.citizen_id == citizen_id))
    )
    statement = (
        _resident_view()
        .add_columns(communities.c.name.label("community_name"))
        .join(communities, communities.c.community_id == residents.c.community_id)
        .where(
            or_(
                residents.c.citizen_id == citizen_id,
                residents.c.resident_id.in_(guardian_accounts),
            )
        )
        .order_by(residents.c.community_id, residents.c.resident_id)
        .limit(100)
    )
    return list(session.execute(statement).all())


# -- guardians ---------------------------------------------------------------------------------


def add_guardian(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(guardians).values(**values))


def _guardian_view() -> Any:
    kin = residents.alias("kin")
    return select(
        guardians.c.guardian_id,
        guardians.c.child_id,
        guardians.c.guardian_resident_id,
        guardians.c.relation,
        guardians.c.created_at,
        # a resident guardian's details are the resident's own, as they are now
        guardians.c.name.label("own_name"),
        kin.c.name.label("kin_name"),
        guardians.c.phone.label("own_phone"),
        kin.c.phone.label("kin_phone"),
        guardians.c.citizen_id.label("own_citizen_id"),
        kin.c.citizen_id.label("kin_citizen_id"),
    ).outerjoin(kin, kin.c.resident_id == guardians.c.guardian_resident_id)


def guardians_of(session: Session, child_ids: Sequence[uuid.UUID]) -> list[Any]:
    return list(
        session.execute(
            _guardian_view()
            .where(guardians.c.child_id.in_(child_ids))
            .order_by(guardians.c.created_at, guardians.c.guardian_id)
        ).all()
    )


def count_guardians(session: Session, child_id: uuid.UUID) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(guardians).where(guardians.c.child_id == child_id)
        ).scalar_one()
    )


def is_guardian(session: Session, child_id: uuid.UUID, guardian_resident_id: uuid.UUID) -> bool:
    found = session.execute(
        select(guardians.c.guardian_id).where(
            and_(
                guardians.c.child_id == child_id,
                guardians.c.guardian_resident_id == guardian_resident_id,
            )
        )
    ).first()
    return found is not None


# -- consent -----------------------------------------------------------------------------------


def add_consent(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(consents).values(**values))


def enrol(session: Session, resident_id: uuid.UUID, consent_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        insert(enrolments).values(resident_id=resident_id, consent_id=consent_id, enrolled_at=now)
    )


def delete_enrolment(session: Session, resident_id: uuid.UUID) -> None:
    session.execute(delete(enrolments).where(enrolments.c.resident_id == resident_id))


def consent_history(
    session: Session, resident_id: uuid.UUID, before: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Any]:
    statement = select(consents).where(consents.c.resident_id == resident_id)
    if before is not None:
        statement = statement.where(
            tuple_(consents.c.decided_at, consents.c.consent_id) < tuple_(*before)
        )
    return list(
        session.execute(
            statement.order_by(consents.c.decided_at.desc(), consents.c.consent_id.desc()).limit(
                limit
            )
        ).all()
    )


def last_decision(session: Session, resident_id: uuid.UUID) -> str | None:
    rows = consent_history(session, resident_id, None, 1)
    return str(rows[0].decision) if rows else None


# -- notification choices ----------------------------------------------------------------------


def set_notification_choice(
    session: Session,
    resident_id: uuid.UUID,
    opted_in: bool,
    contacts: Sequence[tuple[str, str]],
    now: datetime,
) -> None:
    session.execute(
        pg_insert(notification_choices)
        .values(resident_id=resident_id, opted_in=opted_in, changed_at=now)
        .on_conflict_do_update(
            index_elements=["resident_id"], set_={"opted_in": opted_in, "changed_at": now}
        )
    )
    session.execute(delete(chosen_contacts).where(chosen_contacts.c.resident_id == resident_id))
    if contacts:
        session.execute(
            insert(chosen_contacts).values(
                [
                    {"resident_id": resident_id, "position": i, "name": name, "phone": phone}
                    for i, (name, phone) in enumerate(contacts)
                ]
            )
        )


def chosen_contacts_of(session: Session, resident_id: uuid.UUID) -> list[Any]:
    return list(
        session.execute(
            select(chosen_contacts)
            .where(chosen_contacts.c.resident_id == resident_id)
            .order_by(chosen_contacts.c.position)
        ).all()
    )


# -- access events -----------------------------------------------------------------------------


def add_access_event(session: Session, values: dict[str, Any], snapshot_ref: str | None) -> bool:
    """False when the gate reported this event before (by its own id)."""
    inserted = session.execute(
        pg_insert(access_events)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["gate_id", "gate_event_id"])
        .returning(access_events.c.event_id)
    ).first()
    if inserted is None:
        return False
    if snapshot_ref is not None:
        session.execute(
            insert(access_snapshots).values(
                event_id=values["event_id"],
                snapshot_ref=snapshot_ref,
                recorded_at=values["recorded_at"],
            )
        )
    return True


def access_events_of(
    session: Session,
    community_id: str,
    resident_id: uuid.UUID | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    statement = (
        select(access_events, access_snapshots.c.snapshot_ref)
        .outerjoin(access_snapshots)
        .where(access_events.c.community_id == community_id)
    )
    if resident_id is not None:
        statement = statement.where(access_events.c.resident_id == resident_id)
    if before is not None:
        statement = statement.where(
            tuple_(access_events.c.occurred_at, access_events.c.event_id) < tuple_(*before)
        )
    return list(
        session.execute(
            statement.order_by(
                access_events.c.occurred_at.desc(), access_events.c.event_id.desc()
            ).limit(limit)
        ).all()
    )


#: what expires (days per class in `Settings.retention_days`): snapshot references soon, the
#: passages themselves later; a snapshot goes with its passage in any case (ON DELETE CASCADE)
RETENTION_CLASSES = (
    DataClass("community_access_snapshots", access_snapshots, "recorded_at", "event_id"),
    DataClass("community_access_events", access_events, "recorded_at", "event_id"),
)
