"""Configuration of the warning service: the one home of its settings and defaults."""

from __future__ import annotations

from pydantic import Field

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "warning"
    http_port: int = 8102
    #: alerts kept a year after they were raised; hotlist entries 30 days past their expiry
    retention_days: dict[str, float] = Field(
        default_factory=lambda: {"alerts": 365.0, "hotlist_entries": 30.0}
    )
