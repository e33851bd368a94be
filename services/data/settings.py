"""Configuration of the data service: the one home of its settings and defaults."""

from __future__ import annotations

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "data"
    http_port: int = 8101
