"""Entrypoints of the citizen service: traffic fines,
payments and receipts, appeals against fines.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class FinesEntrypoints(PlatformService):
    pass
