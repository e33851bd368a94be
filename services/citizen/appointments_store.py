"""Tables of appointments (schema `citizen`) and the queries over them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from contracts.appointments import BookingStatus
from services.citizen.store import citizens, metadata

#: Reference data the migration seeds (the catalogue of service types). Kept out of `metadata`
#: so that clearing the service's state (tests truncate `metadata`'s tables) leaves it alone.
reference_metadata = MetaData()

service_types = Table(
    "appointment_service_types",
    reference_metadata,
    Column("code", String(40), primary_key=True),
    Column("name_zh", String(60), nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("category", String(20), nullable=False),
    Column("duration_min", Integer, nullable=False),
)

offices = Table(
    "appointment_offices",
    metadata,
    Column("office_id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("address", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    #: [{"weekday": 1-7, "opens": "HH:MM", "closes": "HH:MM"}] in local (Asia/Shanghai) time
    Column("opening_hours", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(64)),
)

office_services = Table(
    "appointment_office_services",
    metadata,
    Column(
        "office_id",
        String(64),
        ForeignKey("appointment_offices.office_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # the catalogue is in the other MetaData: the constraint is the migration's
    Column("service_code", String(40), primary_key=True),
)

slots = Table(
    "appointment_slots",
    metadata,
    Column("slot_id", UUID(as_uuid=True), primary_key=True),
    Column("office_id", String(64), nullable=False),
    Column("service_code", String(40), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, server_default="0"),
    ForeignKeyConstraint(
        ["office_id", "service_code"],
        ["appointment_office_services.office_id", "appointment_office_services.service_code"],
        ondelete="CASCADE",
    ),
    UniqueConstraint("office_id", "service_code", "starts_at", name="appointment_slots_once"),
    #: the last line against overbooking, whatever the code above it does
    CheckConstraint("booked >= 0 AND booked <= capacity", name="appointment_slots_not_overbooked"),
)

bookings = Table(
    "appointment_bookings",
    metadata,
    Column("booking_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "citizen_id",
        String(64),
        ForeignKey(citizens.c.citizen_id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("slot_id", UUID(as_uuid=True), ForeignKey(slots.c.slot_id), nullable=False),
    Column("office_id", String(64), nullable=False),
    Column("service_code", String(40), nullable=False),
    #: the slot's start, kept with the booking for listings and reminders
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("rescheduled_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    #: one open booking per citizen and service type
    Index(
        "appointment_bookings_one_open_per_service",
        "citizen_id",
        "service_code",
        unique=True,
        postgresql_where=text("status = 'booked'"),
    ),
    Index("appointment_bookings_by_citizen", "citizen_id", "booked_at"),
    Index(
        "appointment_bookings_to_remind",
        "starts_at",
        postgresql_where=text("status = 'booked' AND reminded_at IS NULL"),
    ),
)


# -- catalogue and offices -------------------------------------------------------------------


def service_type_rows(session: Session, after: str | None, limit: int) -> Sequence[Any]:
    query = select(service_types).order_by(service_types.c.code).limit(limit)
    if after is not None:
        query = query.where(service_types.c.code > after)
    return session.execute(query).all()


def service_type(session: Session, code: str) -> Any:
    return session.execute(select(service_types).where(service_types.c.code == code)).first()


def known_service_codes(session: Session, codes: Sequence[str]) -> set[str]:
    return set(
        session.execute(select(service_types.c.code).where(service_types.c.code.in_(codes)))
        .scalars()
        .all()
    )


def add_office(session: Session, values: dict[str, Any], service_codes: Sequence[str]) -> bool:
    """False when an office with this id exists."""
    inserted = session.execute(
        pg_insert(offices).values(values).on_conflict_do_nothing().returning(offices.c.office_id)
    ).first()
    if inserted is None:
        return False
    session.execute(
        pg_insert(office_services),
        [{"office_id": values["office_id"], "service_code": c} for c in service_codes],
    )
    return True


def office(session: Session, office_id: str) -> Any:
    return session.execute(select(offices).where(offices.c.office_id == office_id)).first()


def office_rows(
    session: Session, service_code: str | None, after: str | None, limit: int
) -> Sequence[Any]:
    query = select(offices).order_by(offices.c.office_id).limit(limit)
    if after is not None:
        query = query.where(offices.c.office_id > after)
    if service_code is not None:
        query = query.where(
            offices.c.office_id.in_(
                select(office_services.c.office_id).where(
                    office_services.c.service_code == service_code
                )
            )
        )
    return session.execute(query).all()


def services_of(session: Session, office_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {o: [] for o in office_ids}
    rows = session.execute(
        select(office_services.c.office_id, office_services.c.service_code)
        .where(office_services.c.office_id.in_(office_ids))
        .order_by(office_services.c.service_code)
    )
    for office_id, code in rows:
        found[office_id].append(code)
    return found


# -- slots -----------------------------------------------------------------------------------


def add_slots(session: Session, rows: list[dict[str, Any]]) -> int:
    """Slots that exist already (same office, service and start) are left as they are; returns
    how many were made."""
    if not rows:
        return 0
    made = session.execute(
        pg_insert(slots).on_conflict_do_nothing().returning(slots.c.slot_id), rows
    )
    return len(made.all())


def free_slots(
    session: Session,
    office_id: str,
    service_code: str,
    starting_after: datetime,
    window: tuple[datetime, datetime],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Any]:
    s = slots
    query = (
        select(s)
        .where(
            s.c.office_id == office_id,
            s.c.service_code == service_code,
            s.c.starts_at > starting_after,
            s.c.starts_at >= window[0],
            s.c.starts_at < window[1],
            s.c.booked < s.c.capacity,
        )
        .order_by(s.c.starts_at, s.c.slot_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(s.c.starts_at, s.c.slot_id) > tuple_(*after))
    return session.execute(query).all()


def slot(session: Session, slot_id: uuid.UUID) -> Any:
    return session.execute(select(slots).where(slots.c.slot_id == slot_id)).first()


def lock_slots(session: Session, slot_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Lock the slots in one order (by id), so that two moves between the same two slots in
    opposite directions wait for each other instead of deadlocking."""
    rows = session.execute(
        select(slots)
        .where(slots.c.slot_id.in_(slot_ids))
        .order_by(slots.c.slot_id)
        .with_for_update()
    ).all()
    return {r.slot_id: r for r in rows}


def take_place(session: Session, slot_id: uuid.UUID) -> bool:
    """One place of the slot, if one is left. A single conditional UPDATE: concurrent takers
    queue on the row, and each re-checks `booked < capacity` once the one before commits."""
    taken = session.execute(
        update(slots)
        .where(slots.c.slot_id == slot_id, slots.c.booked < slots.c.capacity)
        .values(booked=slots.c.booked + 1)
        .returning(slots.c.slot_id)
    ).first()
    return taken is not None


def free_place(session: Session, slot_id: uuid.UUID) -> None:
    session.execute(
        update(slots)
        .where(slots.c.slot_id == slot_id, slots.c.booked > 0)
        .values(booked=slots.c.booked - 1)
    )


# -- bookings --------------------------------------------------------------------------------


def lock_citizen(session: Session, citizen_id: str) -> Any:
    """The citizen's row, locked: one citizen's bookings change one at a time, so the limits
    are checked against what is really there. (NO KEY UPDATE: bookings' foreign keys to the
    row do not wait for it.)"""
    return session.execute(
        select(citizens.c.citizen_id, citizens.c.phone)
        .where(citizens.c.citizen_id == citizen_id)
        .with_for_update(key_share=True)
    ).first()


def complete_past_bookings(session: Session, citizen_id: str, now: datetime) -> None:
    """Bookings whose slot has started stop counting as open."""
    session.execute(
        update(bookings)
        .where(
            bookings.c.citizen_id == citizen_id,
            bookings.c.status == str(BookingStatus.BOOKED),
            bookings.c.starts_at <= now,
        )
        .values(status=str(BookingStatus.COMPLETED))
    )


def open_service_codes(session: Session, citizen_id: str) -> list[str]:
    return list(
        session.execute(
            select(bookings.c.service_code).where(
                bookings.c.citizen_id == citizen_id,
                bookings.c.status == str(BookingStatus.BOOKED),
            )
        ).scalars()
    )


def add_booking(session: Session, values: dict[str, Any]) -> None:
    session.execute(pg_insert(bookings).values(values))


def update_booking(session: Session, booking_id: uuid.UUID, values: dict[str, Any]) -> None:
    session.execute(update(bookings).where(bookings.c.booking_id == booking_id).values(values))


def _booking_view() -> Any:
    b, s, o, t = bookings, slots, offices, service_types
    return (
        select(
            b,
            s.c.ends_at,
            o.c.name.label("office_name"),
            o.c.address.label("office_address"),
            t.c.name_zh.label("service_name"),
        )
        .join(s, s.c.slot_id == b.c.slot_id)
        .join(o, o.c.office_id == b.c.office_id)
        .join(t, t.c.code == b.c.service_code)
    )


def booking_of(
    session: Session, citizen_id: str, booking_id: uuid.UUID, *, lock: bool = False
) -> Any:
    """The citizen's own booking; another citizen's is as good as absent."""
    query = _booking_view().where(
        bookings.c.booking_id == booking_id, bookings.c.citizen_id == citizen_id
    )
    if lock:
        query = query.with_for_update(of=bookings)
    return session.execute(query).first()


def bookings_of(
    session: Session, citizen_id: str, before: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[Any]:
    query = (
        _booking_view()
        .where(bookings.c.citizen_id == citizen_id)
        .order_by(bookings.c.booked_at.desc(), bookings.c.booking_id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(bookings.c.booked_at, bookings.c.booking_id) < tuple_(*before))
    return session.execute(query).all()


def claim_bookings_to_remind(
    session: Session, now: datetime, until: datetime, limit: int
) -> Sequence[Any]:
    """Open, unreminded bookings starting in (now, until], with the citizen's phone; claimed
    with SKIP LOCKED, so two processes never remind the same booking."""
    query = (
        _booking_view()
        .add_columns(citizens.c.phone)
        .join(citizens, citizens.c.citizen_id == bookings.c.citizen_id)
        .where(
            bookings.c.status == str(BookingStatus.BOOKED),
            bookings.c.reminded_at.is_(None),
            bookings.c.starts_at > now,
            bookings.c.starts_at <= until,
        )
        .order_by(bookings.c.starts_at)
        .limit(limit)
        .with_for_update(of=bookings, skip_locked=True)
    )
    return session.execute(query).all()
