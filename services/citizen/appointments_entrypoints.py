"""Entrypoints of the citizen service: appointments; the
47 traffic-police service types, offices, slots, bookings, reminders.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc, timer
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.appointments import (
    IDEMPOTENCY_KEY_MAX,
    BookingRequest,
    OfficeCreate,
    OfficeQuery,
    RescheduleRequest,
    SlotGeneration,
    SlotQuery,
)
from contracts.errors import ValidationFailed
from contracts.values import PageRequest
from services.citizen import accounts_app, appointments_app

#: how often bookings due for a reminder are looked for (reminders go 24 h ahead: a minute's
#: delay does not matter), and how many are claimed per transaction
REMINDER_INTERVAL_S = 60.0
REMINDER_BATCH = 100


def now() -> datetime:
    return datetime.now(UTC)


def _booking_id(raw: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationFailed("not a booking id") from None


def _command_key(citizen_id: str, idempotency_key: Any) -> str:
    """Keys are the citizen's own: another citizen's same key is another command."""
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed(f"idempotency key must be 1-{IDEMPOTENCY_KEY_MAX} characters")
    return f"{citizen_id}:{idempotency_key}"


class AppointmentsEntrypoints(PlatformService):
    # -- catalogue and offices (public) ------------------------------------------------------

    @rpc
    def list_service_types(self, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            listing = appointments_app.list_service_types(session, request)
        return listing.model_dump(mode="json")

    @rpc
    def list_offices(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficeQuery, query)
        with self.db.transaction() as session:
            listing = appointments_app.list_offices(session, request)
        return listing.model_dump(mode="json")

    @rpc
    def get_office(self, office_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return appointments_app.get_office(session, str(office_id)).model_dump(mode="json")

    @rpc
    def list_free_slots(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(SlotQuery, query)
        with self.db.transaction() as session:
            listing = appointments_app.free_slots(session, request, now())
        return listing.model_dump(mode="json")

    # -- administration ----------------------------------------------------------------------

    @rpc
    def create_office(self, office: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficeCreate, office)
        with self.db.transaction() as session:
            created = appointments_app.create_office(session, self.actor, request, now())
        return created.model_dump(mode="json")

    @rpc
    def generate_slots(self, office_id: str, generation: dict[str, Any]) -> dict[str, Any]:
        request = parse(SlotGeneration, generation)
        with self.db.transaction() as session:
            made = appointments_app.generate_slots(
                session, self.actor, str(office_id), request, now()
            )
        return made.model_dump(mode="json")

    # -- a citizen's bookings ----------------------------------------------------------------

    @rpc
    def book_appointment(self, booking: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        request = parse(BookingRequest, booking)
        citizen_id = accounts_app.citizen_of(self.actor)
        key = _command_key(citizen_id, idempotency_key)
        with self.db.command("book_appointment", key) as command:
            if command.replayed:
                return dict(command.previous_result)
            booked = appointments_app.book(command.session, citizen_id, request, now())
            return dict(command.record(booked.model_dump(mode="json")))

    @rpc
    def reschedule_appointment(
        self, booking_id: str, change: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        request = parse(RescheduleRequest, change)
        key_id = _booking_id(booking_id)
        citizen_id = accounts_app.citizen_of(self.actor)
        key = _command_key(citizen_id, idempotency_key)
        with self.db.command("reschedule_appointment", key) as command:
            if command.replayed:
                return dict(command.previous_result)
            moved = appointments_app.reschedule(command.session, citizen_id, key_id, request, now())
            return dict(command.record(moved.model_dump(mode="json")))

    @rpc
    def cancel_appointment(self, booking_id: str) -> dict[str, Any]:
        key_id = _booking_id(booking_id)
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.transaction() as session:
            cancelled = appointments_app.cancel(session, citizen_id, key_id, now())
        return cancelled.model_dump(mode="json")

    @rpc
    def my_appointments(self, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.transaction() as session:
            listing = appointments_app.my_bookings(session, citizen_id, request, now())
        return listing.model_dump(mode="json")

    @rpc
    def my_appointment(self, booking_id: str) -> dict[str, Any]:
        key_id = _booking_id(booking_id)
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.transaction() as session:
            return appointments_app.my_booking(session, citizen_id, key_id, now()).model_dump(
                mode="json"
            )

    # -- reminders ---------------------------------------------------------------------------

    @timer(interval=REMINDER_INTERVAL_S)
    def send_appointment_reminders(self) -> None:
        while True:
            with self.db.transaction() as session:
                claimed = appointments_app.send_due_reminders(session, now(), REMINDER_BATCH)
            if claimed < REMINDER_BATCH:
                return
