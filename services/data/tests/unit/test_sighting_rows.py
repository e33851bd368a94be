from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from contracts.sightings import Sighting, SightingsRecorded
from contracts.values import GeoPoint
from services.data.domain.sightings import cell_of, sighting_rows


def test_rows_keep_ids_and_flatten_locations() -> None:
    at = datetime(2026, 11, 29, tzinfo=UTC)
    with_place = Sighting(
        sighting_id=uuid.uuid4(),
        plate="粤T12345",
        device_id="cp-1",
        seen_at=at,
        location=GeoPoint(lat=22.5, lon=114.0),
    )
    without = Sighting(sighting_id=uuid.uuid4(), plate="粤B1234学", device_id="cp-2", seen_at=at)
    rows = sighting_rows(
        SightingsRecorded(batch_id="b-1", unit=None, sightings=[with_place, without])
    )
    assert rows[0] == {
        "sighting_id": with_place.sighting_id,
        "plate": "粤T12345",
        "device_id": "cp-1",
        "seen_at": at,
        "lat": 22.5,
        "lon": 114.0,
        "cell": cell_of(22.5, 114.0),
        "direction": None,
        "speed_kmh": None,
        "confidence": None,
        "image_ref": None,
        "batch_id": "b-1",
    }
    assert (rows[1]["lat"], rows[1]["lon"], rows[1]["cell"]) == (None, None, None)


def test_cells_are_resolution_9_h3_cells() -> None:
    import h3

    cell = cell_of(22.5405, 114.0553)
    assert h3.get_resolution(h3.int_to_str(cell)) == 9
    assert h3.cell_to_latlng(h3.int_to_str(cell))[0] == pytest.approx(22.5405, abs=0.01)
