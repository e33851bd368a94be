"""Entrypoints of the citizen service: fire-safety permits and certificates.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class PermitsEntrypoints(PlatformService):
    pass
