"""Sightings as the data service keeps them."""

from __future__ import annotations

from typing import Any

import h3

from contracts.sightings import SightingsRecorded

#: H3 resolution of a sighting's cell (~0.1 km² hexagons): area queries and hotspots use it
CELL_RESOLUTION = 9


def cell_of(lat: float, lon: float) -> int:
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, CELL_RESOLUTION)))


def sighting_rows(recorded: SightingsRecorded) -> list[dict[str, Any]]:
    rows = []
    for s in recorded.sightings:
        place = s.location
        rows.append(
            {
                "sighting_id": s.sighting_id,
                "plate": s.plate,
                "device_id": s.device_id,
                "seen_at": s.seen_at,
                "lat": place.lat if place else None,
                "lon": place.lon if place else None,
                "cell": cell_of(place.lat, place.lon) if place else None,
                "direction": None,
                "speed_kmh": None,
                "confidence": None,
                "image_ref": None,
                "batch_id": recorded.batch_id,
            }
        )
    return rows
