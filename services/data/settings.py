"""Configuration of the data service: the one home of its settings and defaults."""

from __future__ import annotations

from pydantic import Field

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "data"
    http_port: int = 8101
    retention_days: dict[str, float] = Field(default_factory=lambda: {"sightings": 365.0})
