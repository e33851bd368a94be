"""nameko entrypoints of the prevention service. Thin: rules live in `domain/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from chassis.entrypoints import rpc
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.errors import Conflict
from contracts.sightings import (
    SIGHTING_RECORDED,
    BatchReceipt,
    DeviceCreate,
    SightingBatchIn,
    SightingsRecorded,
)
from services.prevention import store
from services.prevention.communities_entrypoints import CommunitiesEntrypoints
from services.prevention.devices_entrypoints import DevicesEntrypoints
from services.prevention.domain.sightings import SightingRules, validate_batch
from services.prevention.school_entrypoints import SchoolEntrypoints
from services.prevention.settings import Settings
from services.prevention.vendors_entrypoints import VendorsEntrypoints

RULES = SightingRules()


class PreventionService(
    DevicesEntrypoints,
    VendorsEntrypoints,
    CommunitiesEntrypoints,
    SchoolEntrypoints,
    PlatformService,
):
    name = "prevention"
    settings_class = Settings

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
            devices = {r.get("device_id") for r in request.sightings if isinstance(r, dict)}
            known = store.active_device_ids(
                command.session, {d for d in devices if isinstance(d, str)}
            )
            validated = validate_batch(request.sightings, known, datetime.now(UTC), RULES)
            event_id = None
            if validated.accepted:
                envelope = self.events.stage(
                    command.session,
                    SIGHTING_RECORDED,
                    SightingsRecorded(
                        batch_id=request.batch_id,
                        unit=self.actor.unit,
                        sightings=validated.accepted,
                    ),
                )
                event_id = str(envelope.event_id)
            receipt = BatchReceipt(
                batch_id=request.batch_id,
                accepted=len(validated.accepted),
                duplicates=validated.duplicates,
                rejected=validated.rejected,
                event_id=event_id,
                replayed=False,
            ).model_dump(mode="json")
            return dict(command.record(receipt))


SERVICE = PreventionService
