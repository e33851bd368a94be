"""nameko entrypoints of the citizen service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.citizen.settings import Settings


class CitizenService(PlatformService):
    name = "citizen"
    settings_class = Settings


SERVICE = CitizenService
