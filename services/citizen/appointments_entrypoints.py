"""Entrypoints of the citizen service: appointments; the
47 traffic-police service types, offices, slots, bookings, reminders.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class AppointmentsEntrypoints(PlatformService):
    pass
