"""nameko entrypoints of the prevention service. Thin: rules live in `domain/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from chassis.entrypoints import rpc
from chassis.retention import DataClass
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.errors import Conflict
from contracts.sightings import (
    DeviceCreate,
    SightingBatchIn,
)
from services.prevention import communities_store, devices_store, sightings_app, store
from services.prevention.communities_entrypoints import CommunitiesEntrypoints
from services.prevention.devices_entrypoints import DevicesEntrypoints
from services.prevention.school_entrypoints import SchoolEntrypoints
from services.prevention.settings import Settings
from services.prevention.vendors_entrypoints import VendorsEntrypoints


class PreventionService(
    DevicesEntrypoints,
    VendorsEntrypoints,
    CommunitiesEntrypoints,
    SchoolEntrypoints,
    PlatformService,
):
    name = "prevention"
    settings_class = Settings
    retention_classes = (
        # snapshot references of community passages soon, the passages later
        *communities_store.RETENTION_CLASSES,
        # devices' outages (the uptime figures look back a week)
        DataClass("device_outages", devices_store.device_outages, "started_at", "outage_id"),
    )
    untraced_entrypoints = (*PlatformService.untraced_entrypoints, "watch_device_health")

    @rpc
    def register_device(self, device: dict[str, Any]) -> dict[str, Any]:
        request = parse(DeviceCreate, device)
        values = request.model_dump(exclude={"location"}) | {
            "lat": request.location.lat,
            "lon": request.location.lon,
        }
        try:
            with self.db.transaction() as session:
                store.add_device(session, values)
        except IntegrityError:
            raise Conflict("a device with this id exists") from None
        return request.model_dump(mode="json")

    @rpc
    def list_devices(self) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            return store.list_devices(session)

    @rpc
    def record_sightings(self, batch: dict[str, Any]) -> dict[str, Any]:
        """Validate a batch row by row and record its accepted rows as one event, once."""
        request = parse(SightingBatchIn, batch)
        with self.db.command("record_sightings", request.batch_id) as command:
            if command.replayed:
                return {**command.previous_result, "replayed": True}
            receipt = sightings_app.record_batch(
                command.session,
                self.events,
                self.actor,
                request.batch_id,
                request.sightings,
                datetime.now(UTC),
            ).model_dump(mode="json")
            return dict(command.record(receipt))


SERVICE = PreventionService
