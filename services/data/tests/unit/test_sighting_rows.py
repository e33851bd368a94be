from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import h3
import pytest

from contracts.sightings import Sighting, SightingsRecorded
from contracts.values import GeoPoint
from services.data.domain.sightings import as_records, cell_of, copy_text, days_of, rows_of

AT = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)


def payload(*sightings: Sighting, batch_id: str = "b-1") -> dict:
    return SightingsRecorded(batch_id=batch_id, unit=None, sightings=list(sightings)).model_dump(
        mode="json"
    )


def test_rows_are_read_from_the_event_payload_with_their_cells() -> None:
    placed = Sighting(
        sighting_id=uuid.uuid4(),
        plate="粤T12345",
        device_id="cp-1",
        seen_at=AT,
        location=GeoPoint(lat=22.5, lon=114.0),
    )
    unplaced = Sighting(sighting_id=uuid.uuid4(), plate="粤B1234学", device_id="cp-2", seen_at=AT)
    first, second = rows_of(payload(placed, unplaced))
    assert first.sighting_id == str(placed.sighting_id)
    assert (first.plate, first.device_id, first.seen_at) == ("粤T12345", "cp-1", AT)
    assert (first.lat, first.lon, first.cell) == (22.5, 114.0, cell_of(22.5, 114.0))
    assert (second.lat, second.lon, second.cell) == (None, None, None)
    assert first.batch_id == "b-1"
    assert as_records([first])[0]["cell"] == cell_of(22.5, 114.0)


def test_cells_are_resolution_9_h3_cells() -> None:
    cell = cell_of(22.5405, 114.0553)
    assert h3.get_resolution(h3.int_to_str(cell)) == 9
    assert h3.cell_to_latlng(h3.int_to_str(cell))[0] == pytest.approx(22.5405, abs=0.01)


def test_partition_days_are_utc_days() -> None:
    beijing = AT.astimezone(timezone(timedelta(hours=8)))  # 07:30 on the 30th, in Beijing
    rows = rows_of(
        payload(
            Sighting(sighting_id=uuid.uuid4(), plate="粤T12345", device_id="cp-1", seen_at=beijing)
        )
    )
    assert days_of(rows) == {date(2026, 11, 29)}


def test_copy_text_has_nulls_and_escapes_what_would_break_a_line() -> None:
    rows = rows_of(
        payload(
            Sighting(sighting_id=uuid.uuid4(), plate="粤T12345", device_id="cp-1", seen_at=AT),
            batch_id="b\t1",
        )
    )
    (line,) = copy_text(rows).splitlines()
    fields = line.split("\t")
    assert fields[4:7] == [r"\N", r"\N", r"\N"]
    assert fields[-1] == r"b\t1" and len(fields) == 8  # the tab escaped, the line intact
