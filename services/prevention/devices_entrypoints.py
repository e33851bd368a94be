"""Entrypoints of the prevention service: the device registry, credentials, heartbeats and health.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc, timer
from chassis.secrets import Passwords
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.devices import DecommissionRequest, DeviceQuery, DeviceUpdate
from contracts.errors import NotFound
from services.prevention import devices_app

#: how often the monitor looks for devices fallen silent (the shortest heartbeat interval is
#: 5 s, so an outage is noticed within a few seconds of its grace running out), and how many
#: devices one transaction takes
MONITOR_INTERVAL_S = 5.0
MONITOR_BATCH = 200
DEVICE_ID_MAX = 64

PASSWORDS = Passwords()


def now() -> datetime:
    return datetime.now(UTC)


def _device_id(raw: Any) -> str:
    # any id longer than the registry's cannot name a device
    if not isinstance(raw, str) or not 1 <= len(raw) <= DEVICE_ID_MAX:
        raise NotFound(devices_app.NO_DEVICE)
    return raw


class DevicesEntrypoints(PlatformService):
    # -- the registry (registering is `register_device`, in service.py) ----------------------

    @rpc
    def get_device(self, device_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            found = devices_app.get_device(session, _device_id(device_id), now())
        return found.model_dump(mode="json")

    @rpc
    def list_device_health(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(DeviceQuery, query)
        with self.db.transaction() as session:
            listing = devices_app.list_devices(session, request, now())
        return listing.model_dump(mode="json")

    @rpc
    def update_device(self, device_id: str, change: dict[str, Any]) -> dict[str, Any]:
        request = parse(DeviceUpdate, change)
        with self.db.transaction() as session:
            changed = devices_app.update_device(
                session, self.actor, _device_id(device_id), request, now()
            )
        return changed.model_dump(mode="json")

    @rpc
    def decommission_device(self, device_id: str, request: dict[str, Any]) -> dict[str, Any]:
        decommission = parse(DecommissionRequest, request)
        with self.db.transaction() as session:
            retired = devices_app.decommission(
                session, self.actor, _device_id(device_id), decommission, now()
            )
        return retired.model_dump(mode="json")

    # -- credentials -------------------------------------------------------------------------

    @rpc
    def rotate_device_credential(self, device_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            issued = devices_app.rotate_credential(
                session, self.actor, _device_id(device_id), PASSWORDS, now()
            )
        return issued.model_dump(mode="json")

    @rpc
    def authenticate_device(self, credential: str) -> dict[str, Any]:
        """The gateway's question for `Authorization: Device <credential>`: whose is it?"""
        with self.db.transaction() as session:
            secret, stored = devices_app.stored_credential(session, credential)
        return devices_app.verified(stored, secret, PASSWORDS).model_dump(mode="json")

    # -- heartbeats and health ---------------------------------------------------------------

    @rpc
    def record_heartbeat(self) -> dict[str, Any]:
        device_id = devices_app.device_of(self.actor)
        with self.db.transaction() as session:
            ack = devices_app.record_heartbeat(session, self.events, device_id, now())
        return ack.model_dump(mode="json")

    @timer(interval=MONITOR_INTERVAL_S)
    def watch_device_health(self) -> None:
        at = now()
        while True:
            with self.db.transaction() as session:
                taken = devices_app.watch_new_devices(session, at, MONITOR_BATCH)
            if taken < MONITOR_BATCH:
                break
        while True:
            with self.db.transaction() as session:
                claimed = devices_app.detect_offline(session, self.events, at, MONITOR_BATCH)
            if claimed < MONITOR_BATCH:
                return
