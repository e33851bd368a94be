"""Entrypoints of the prevention service: school pickup, authorised guardians and custody.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class SchoolEntrypoints(PlatformService):
    pass
