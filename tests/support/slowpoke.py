"""A test-only service: slow commands (for timeouts) and a hop to another service (for traces)."""

from __future__ import annotations

from typing import Any

import eventlet
from nameko.rpc import ServiceRpc

from chassis.entrypoints import rpc
from chassis.service import PlatformService
from chassis.settings import ChassisSettings

RUNS: list[str] = []


class SlowpokeSettings(ChassisSettings):
    service_name: str = "slowpoke"
    http_port: int = 0
    outbox_relay_enabled: bool = False


class Slowpoke(PlatformService):
    name = "slowpoke"
    settings_class = SlowpokeSettings
    management = ServiceRpc("management")

    @rpc
    def run_command(self, command_id: str, seconds: float) -> str:
        eventlet.sleep(seconds)
        RUNS.append(command_id)
        return command_id

    @rpc
    def runs(self) -> list[str]:
        return list(RUNS)

    @rpc
    def hop(self) -> dict[str, Any]:
        keys = self.management.jwks()
        return {"management_keys": len(keys["keys"])}
