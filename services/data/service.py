"""nameko entrypoints of the data service. Thin: rules live in `domain/`."""

from __future__ import annotations

from chassis.entrypoints import on_events
from chassis.retention import DataClass
from chassis.service import PlatformService
from contracts.envelope import EventEnvelope
from contracts.sightings import SIGHTING_RECORDED
from services.data import store
from services.data.domain.sightings import rows_of
from services.data.settings import Settings


class DataService(PlatformService):
    name = "data"
    settings_class = Settings
    retention_classes = (DataClass("sightings", store.sightings, "seen_at", "sighting_id"),)

    @on_events(SIGHTING_RECORDED, batch_size=20, max_wait_ms=20)
    def store_sightings(self, events: list[EventEnvelope]) -> None:
        """Each event is a batch of up to 5,000 sightings; a few events make one COPY."""
        with self.db.apply_batch_once(events) as (session, new):
            rows = [row for event in new for row in rows_of(event.payload)]
            store.add_sightings(session, rows)


SERVICE = DataService
