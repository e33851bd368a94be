"""Appointment use cases: the catalogue, offices and their slots, a citizen's bookings (book,
cancel, reschedule, list), and the reminders before a booked slot."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.actor import Actor
from contracts.appointments import (
    Booking,
    BookingRequest,
    BookingStatus,
    Office,
    OfficeCreate,
    OfficeQuery,
    OpeningPeriod,
    RescheduleRequest,
    ServiceCategory,
    ServiceType,
    Slot,
    SlotGeneration,
    SlotQuery,
    SlotsGenerated,
)
from contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contracts.notifications import MAX_BODY_CHARS, Channel, NotificationRequest
from contracts.values import GeoPoint, Page, PageRequest
from services.citizen import appointments_store as store
from services.citizen import notifications_app
from services.citizen.domain import appointments as rules
from services.citizen.domain.appointments import BookingConflict, BookingInvalid, Period

log = logging.getLogger(__name__)
ADMIN_ROLE = "admin"
REMINDER_CATEGORY = "appointment_reminder"
#: a reminder's notification id follows from the booking and its time: the same reminder twice
#: is one message, and a rescheduled booking gets a new one
REMINDER_NAMESPACE = uuid.UUID("1d6f8a52-5c0e-4f47-9a3e-7b1f0c2d9e41")


@contextmanager
def _refusals() -> Iterator[None]:
    """The domain's refusals as the catalogue's errors."""
    try:
        yield
    except BookingConflict as exc:
        raise Conflict(str(exc)) from None
    except BookingInvalid as exc:
        raise ValidationFailed(str(exc)) from None


def check_admin(actor: Actor) -> None:
    if ADMIN_ROLE not in actor.roles:
        raise Forbidden("only an administrator manages offices and slots")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
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


def _next_cursor(rows: Any, limit: int, instant: str, key: str) -> str | None:
    if len(rows) < limit:
        return None
    last = rows[-1]
    return f"{_utc(getattr(last, instant)).isoformat()}|{getattr(last, key)}"


# -- catalogue and offices -------------------------------------------------------------------


def list_service_types(session: Session, page: PageRequest) -> Page[ServiceType]:
    rows = store.service_type_rows(session, page.cursor, page.limit)
    return Page[ServiceType](
        items=[
            ServiceType(
                code=r.code,
                name_zh=r.name_zh,
                name_en=r.name_en,
                category=ServiceCategory(r.category),
                duration_min=r.duration_min,
            )
            for r in rows
        ],
        next_cursor=rows[-1].code if len(rows) == page.limit else None,
    )


def _office(row: Any, service_codes: list[str]) -> Office:
    return Office(
        office_id=row.office_id,
        name=row.name,
        address=row.address,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        opening_hours=[OpeningPeriod.model_validate(p) for p in row.opening_hours],
        service_codes=service_codes,
        created_at=_utc(row.created_at),
    )


def _periods(hours: list[OpeningPeriod]) -> list[Period]:
    return [Period(p.weekday, p.opens, p.closes) for p in hours]


def _unknown_services(session: Session, codes: list[str]) -> None:
    unknown = sorted(set(codes) - store.known_service_codes(session, codes))
    if unknown:
        raise ValidationFailed(
            "unknown service types: " + ", ".join(unknown),
            errors=[{"field": "service_codes", "problem": "unknown"}],
        )


def create_office(session: Session, actor: Actor, request: OfficeCreate, now: datetime) -> Office:
    check_admin(actor)
    with _refusals():
        periods = rules.check_opening_hours(_periods(request.opening_hours))
    codes = sorted(set(request.service_codes))
    _unknown_services(session, codes)
    added = store.add_office(
        session,
        {
            "office_id": request.office_id,
            "name": request.name,
            "address": request.address,
            "lat": request.location.lat,
            "lon": request.location.lon,
            "opening_hours": [
                {"weekday": p.weekday, "opens": p.opens.isoformat(), "closes": p.closes.isoformat()}
                for p in periods
            ],
            "created_at": now,
            "created_by": actor.id,
        },
        codes,
    )
    if not added:
        raise Conflict("an office with this id exists")
    return get_office(session, request.office_id)


def get_office(session: Session, office_id: str) -> Office:
    row = store.office(session, office_id)
    if row is None:
        raise NotFound("no such office")
    return _office(row, store.services_of(session, [office_id])[office_id])


def list_offices(session: Session, query: OfficeQuery) -> Page[Office]:
    rows = store.office_rows(session, query.service_code, query.cursor, query.limit)
    services = store.services_of(session, [r.office_id for r in rows])
    return Page[Office](
        items=[_office(r, services[r.office_id]) for r in rows],
        next_cursor=rows[-1].office_id if len(rows) == query.limit else None,
    )


# -- slots -----------------------------------------------------------------------------------


def generate_slots(
    session: Session, actor: Actor, office_id: str, request: SlotGeneration, now: datetime
) -> SlotsGenerated:
    """Slots for each service asked for, cut from the office's opening hours; existing slots
    (same service and start) stay as they are, with their bookings."""
    check_admin(actor)
    office = get_office(session, office_id)
    codes = sorted(set(request.service_codes))
    not_offered = [c for c in codes if c not in office.service_codes]
    if not_offered:
        raise ValidationFailed(
            "the office does not offer: " + ", ".join(not_offered),
            errors=[{"field": "service_codes", "problem": "not_offered"}],
        )
    times = rules.slot_times(
        _periods(office.opening_hours),
        request.first_day,
        request.last_day,
        request.slot_minutes,
        now,
    )
    with _refusals():
        rules.check_generation_size(len(times), len(codes))
    rows = [
        {
            "slot_id": uuid.uuid4(),
            "office_id": office_id,
            "service_code": code,
            "starts_at": starts,
            "ends_at": ends,
            "capacity": request.capacity,
        }
        for code in codes
        for starts, ends in times
    ]
    created = store.add_slots(session, rows)
    return SlotsGenerated(office_id=office_id, created=created, existing=len(rows) - created)


def _slot(row: Any) -> Slot:
    return Slot(
        slot_id=row.slot_id,
        office_id=row.office_id,
        service_code=row.service_code,
        starts_at=_utc(row.starts_at),
        ends_at=_utc(row.ends_at),
        capacity=row.capacity,
        places_left=row.capacity - row.booked,
    )


def free_slots(session: Session, query: SlotQuery, now: datetime) -> Page[Slot]:
    if store.office(session, query.office_id) is None:
        raise NotFound("no such office")
    with _refusals():
        days = rules.listing_days(query.first_day, query.last_day, now)
    rows = store.free_slots(
        session,
        query.office_id,
        query.service_code,
        now,
        rules.local_day_bounds(*days),
        _cursor(query.cursor),
        query.limit,
    )
    return Page[Slot](
        items=[_slot(r) for r in rows],
        next_cursor=_next_cursor(rows, query.limit, "starts_at", "slot_id"),
    )


# -- bookings --------------------------------------------------------------------------------


def _booking(row: Any, now: datetime) -> Booking:
    return Booking(
        booking_id=row.booking_id,
        slot_id=row.slot_id,
        office_id=row.office_id,
        office_name=row.office_name,
        service_code=row.service_code,
        service_name=row.service_name,
        starts_at=_utc(row.starts_at),
        ends_at=_utc(row.ends_at),
        status=rules.effective_status(BookingStatus(row.status), row.starts_at, now),
        booked_at=_utc(row.booked_at),
        cancelled_at=_utc(row.cancelled_at) if row.cancelled_at else None,
        rescheduled_at=_utc(row.rescheduled_at) if row.rescheduled_at else None,
    )


def _lock_citizen(session: Session, citizen_id: str) -> None:
    if store.lock_citizen(session, citizen_id) is None:
        raise NotFound("no such citizen")


def _slot_to_book(session: Session, slot_id: uuid.UUID, now: datetime) -> Any:
    slot = store.slot(session, slot_id)
    if slot is None:
        raise NotFound("no such slot")
    with _refusals():
        rules.check_bookable(slot.starts_at, now)
    return slot


def my_booking(session: Session, citizen_id: str, booking_id: uuid.UUID, now: datetime) -> Booking:
    row = store.booking_of(session, citizen_id, booking_id)
    if row is None:
        raise NotFound("no such booking")
    return _booking(row, now)


def book(session: Session, citizen_id: str, request: BookingRequest, now: datetime) -> Booking:
    """Take a place in the slot and record the booking, in one transaction: a full slot is a
    409 and leaves nothing behind."""
    _lock_citizen(session, citizen_id)
    slot = _slot_to_book(session, request.slot_id, now)
    store.complete_past_bookings(session, citizen_id, now)
    with _refusals():
        rules.check_limits(store.open_service_codes(session, citizen_id), slot.service_code)
    if not store.take_place(session, slot.slot_id):
        raise Conflict("the slot is full: choose another one")
    booking_id = uuid.uuid4()
    try:
        store.add_booking(
            session,
            {
                "booking_id": booking_id,
                "citizen_id": citizen_id,
                "slot_id": slot.slot_id,
                "office_id": slot.office_id,
                "service_code": slot.service_code,
                "starts_at": slot.starts_at,
                "status": str(BookingStatus.BOOKED),
                "booked_at": now,
            },
        )
    except IntegrityError:  # the unique index, should the citizen's lock ever be bypassed
        raise Conflict("you already have an open booking for this service") from None
    return my_booking(session, citizen_id, booking_id, now)


def cancel(session: Session, citizen_id: str, booking_id: uuid.UUID, now: datetime) -> Booking:
    """Free the place, until the slot starts. Cancelling a cancelled booking changes nothing."""
    _lock_citizen(session, citizen_id)
    row = store.booking_of(session, citizen_id, booking_id, lock=True)
    if row is None:
        raise NotFound("no such booking")
    if row.status == BookingStatus.CANCELLED:
        return _booking(row, now)
    with _refusals():
        rules.check_changeable(BookingStatus(row.status), row.starts_at, now)
    store.update_booking(
        session, booking_id, {"status": str(BookingStatus.CANCELLED), "cancelled_at": now}
    )
    store.free_place(session, row.slot_id)
    return my_booking(session, citizen_id, booking_id, now)


def reschedule(
    session: Session,
    citizen_id: str,
    booking_id: uuid.UUID,
    request: RescheduleRequest,
    now: datetime,
) -> Booking:
    """Move the booking to another slot of its service: the new place taken and the old one
    freed in one transaction. A full slot is a 409 and the booking stays where it was."""
    _lock_citizen(session, citizen_id)
    row = store.booking_of(session, citizen_id, booking_id, lock=True)
    if row is None:
        raise NotFound("no such booking")
    with _refusals():
        rules.check_changeable(BookingStatus(row.status), row.starts_at, now)
    new = _slot_to_book(session, request.slot_id, now)
    with _refusals():
        rules.check_move(row.service_code, row.slot_id, new.service_code, new.slot_id)
    store.lock_slots(session, [row.slot_id, new.slot_id])
    if not store.take_place(session, new.slot_id):
        raise Conflict("that slot is full: your booking stays as it was")
    store.free_place(session, row.slot_id)
    store.update_booking(
        session,
        booking_id,
        {
            "slot_id": new.slot_id,
            "office_id": new.office_id,
            "starts_at": new.starts_at,
            "rescheduled_at": now,
            "reminded_at": None,  # a new time deserves its own reminder
        },
    )
    return my_booking(session, citizen_id, booking_id, now)


def my_bookings(
    session: Session, citizen_id: str, page: PageRequest, now: datetime
) -> Page[Booking]:
    """The citizen's bookings, newest first."""
    rows = store.bookings_of(session, citizen_id, _cursor(page.cursor), page.limit)
    return Page[Booking](
        items=[_booking(r, now) for r in rows],
        next_cursor=_next_cursor(rows, page.limit, "booked_at", "booking_id"),
    )


# -- reminders -------------------------------------------------------------------------------


def send_due_reminders(session: Session, now: datetime, limit: int) -> int:
    """One SMS for each open booking whose slot starts within the reminder lead and that was
    not reminded yet, put in the notification outbox in the transaction that marks it
    reminded; returns how many bookings were claimed."""
    rows = store.claim_bookings_to_remind(session, now, now + rules.REMINDER_LEAD, limit)
    for row in rows:
        starts_at = _utc(row.starts_at)
        try:
            message = NotificationRequest(
                notification_id=uuid.uuid5(
                    REMINDER_NAMESPACE, f"{row.booking_id}/{starts_at.isoformat()}"
                ),
                channel=Channel.SMS,
                phone=row.phone,
                body=rules.reminder_text(
                    row.service_name, row.office_name, row.office_address, starts_at
                )[:MAX_BODY_CHARS],
                category=REMINDER_CATEGORY,
            )
        except ValidationError:
            log.warning("no reminder: the citizen's number cannot take an SMS")
        else:
            notifications_app.enqueue(session, message, sender="citizen", now=now)
        store.update_booking(session, row.booking_id, {"reminded_at": now})
    return len(rows)
