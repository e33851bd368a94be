"""Configuration of the investigation service: the one home of its settings and defaults."""

from __future__ import annotations

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "investigation"
    http_port: int = 8104
