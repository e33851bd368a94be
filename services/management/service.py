"""nameko entrypoints of the management service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.management.settings import Settings


class ManagementService(PlatformService):
    name = "management"
    settings_class = Settings


SERVICE = ManagementService
