"""Configuration of the prevention service: the one home of its settings and defaults."""

from __future__ import annotations

from pydantic import Field

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "prevention"
    http_port: int = 8103
    #: how long personal data is kept, per data class (days); each deletion leaves a receipt
    #: in the ledger
    retention_days: dict[str, float] = Field(
        default_factory=lambda: {
            "community_access_snapshots": 7.0,
            "community_access_events": 90.0,
            "device_outages": 90.0,
        }
    )
