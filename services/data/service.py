"""nameko entrypoints of the data service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.entrypoints import on_event
from chassis.retention import DataClass
from chassis.service import PlatformService
from contracts.envelope import EventEnvelope
from contracts.sightings import SIGHTING_RECORDED, SightingsRecorded
from services.data import store
from services.data.domain.sightings import sighting_rows
from services.data.settings import Settings


class DataService(PlatformService):
    name = "data"
    settings_class = Settings
    retention_classes = (DataClass("sightings", store.sightings, "seen_at", "sighting_id"),)

    @on_event(SIGHTING_RECORDED)
    def store_sightings(self, event: EventEnvelope) -> None:
        recorded = SightingsRecorded.model_validate(event.payload)
        with self.db.apply_once(event) as session:
            store.add_sightings(session, sighting_rows(recorded))


SERVICE = DataService
