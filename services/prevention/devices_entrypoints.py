"""Entrypoints of the prevention service: the device registry, credentials, heartbeats and health.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class DevicesEntrypoints(PlatformService):
    pass
