"""Entrypoints of the prevention service: vendor payloads (GA/T 1400, Hikvision ISAPI)
turned into sightings.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class VendorsEntrypoints(PlatformService):
    pass
