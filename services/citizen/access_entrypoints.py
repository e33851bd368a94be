"""Entrypoints of the citizen service: move-my-car, identity
verification, who looked at my data, corrections.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService


class AccessEntrypoints(PlatformService):
    pass
