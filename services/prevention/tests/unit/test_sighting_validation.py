from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from services.prevention.domain.sightings import SightingRules, sighting_id, validate_batch

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RULES = SightingRules(max_clock_skew=timedelta(minutes=5), max_age=timedelta(days=7))
DEVICES = {"cp-1", "cp-2"}


def row(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "plate": "粤T12345",
        "device_id": "cp-1",
        "seen_at": NOW.isoformat(),
        "location": {"lat": 22.5, "lon": 114.0},
    }
    values.update(overrides)
    return values


def test_a_good_row_is_accepted_with_a_normalised_plate_and_a_stable_id() -> None:
    batch = validate_batch([row(plate="粤 t-12345")], DEVICES, NOW, RULES)
    (sighting,) = batch.accepted
    assert sighting.plate == "粤T12345"
    assert sighting.sighting_id == sighting_id("cp-1", "粤T12345", NOW)
    assert batch.rejected == [] and batch.duplicates == 0


def test_bad_rows_are_dropped_one_by_one_and_named_by_index() -> None:
    rows = [
        row(),
        row(plate="not a plate"),
        row(device_id="unknown"),
        row(seen_at="2026-11-29 08:00"),  # no time zone
        row(seen_at=(NOW + timedelta(minutes=10)).isoformat()),
        row(seen_at=(NOW - timedelta(days=8)).isoformat()),
        row(location={"lat": 95, "lon": 0}),
        row(location={"lat": True, "lon": 0}),
        "not an object",
        row(plate=12345),
        row(plate="粤B54321", device_id="cp-2"),
    ]
    batch = validate_batch(rows, DEVICES, NOW, RULES)
    assert [s.plate for s in batch.accepted] == ["粤T12345", "粤B54321"]
    assert [r.index for r in batch.rejected] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert all("not a plate" not in r.problem for r in batch.rejected)


def test_rows_repeating_another_row_of_the_batch_count_as_duplicates() -> None:
    batch = validate_batch([row(), row(plate="粤t12345"), row()], DEVICES, NOW, RULES)
    assert len(batch.accepted) == 1 and batch.duplicates == 2


def test_one_instant_written_with_two_offsets_is_one_sighting() -> None:
    beijing = NOW.astimezone(timezone(timedelta(hours=8))).isoformat()
    batch = validate_batch([row(), row(seen_at=beijing)], DEVICES, NOW, RULES)
    assert len(batch.accepted) == 1 and batch.duplicates == 1


def test_a_row_without_a_location_is_kept() -> None:
    batch = validate_batch([row(location=None)], DEVICES, NOW, RULES)
    assert batch.accepted[0].location is None
