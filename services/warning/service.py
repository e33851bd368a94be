"""nameko entrypoints of the warning service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.warning.settings import Settings


class WarningService(PlatformService):
    name = "warning"
    settings_class = Settings


SERVICE = WarningService
