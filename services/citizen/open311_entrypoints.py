"""Entrypoints of the citizen service: Open311 GeoReport v2 requests and the safety map.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class Open311Entrypoints(PlatformService):
    pass
