"""nameko entrypoints of the data service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.service import PlatformService
from services.data.settings import Settings


class DataService(PlatformService):
    name = "data"
    settings_class = Settings


SERVICE = DataService
