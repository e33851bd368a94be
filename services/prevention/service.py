"""nameko entrypoints of the prevention service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.prevention.settings import Settings


class PreventionService(PlatformService):
    name = "prevention"
    settings_class = Settings


SERVICE = PreventionService
