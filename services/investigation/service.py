"""nameko entrypoints of the investigation service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.investigation.settings import Settings


class InvestigationService(PlatformService):
    name = "investigation"
    settings_class = Settings


SERVICE = InvestigationService
