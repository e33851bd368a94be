"""Sightings as the data service keeps them."""

from __future__ import annotations

from typing import Any

from contracts.sightings import SightingsRecorded


def sighting_rows(recorded: SightingsRecorded) -> list[dict[str, Any]]:
    return [
        {
            "sighting_id": s.sighting_id,
            "plate": s.plate,
            "device_id": s.device_id,
            "seen_at": s.seen_at,
            "lat": s.location.lat if s.location else None,
            "lon": s.location.lon if s.location else None,
            "batch_id": recorded.batch_id,
        }
        for s in recorded.sightings
    ]
