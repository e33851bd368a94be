"""Entrypoints of the prevention service: smart communities, face-gate consent and access events.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class CommunitiesEntrypoints(PlatformService):
    pass
