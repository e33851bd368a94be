from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from contracts.values import GeoPoint
from services.prevention.domain.sightings import (
    DeviceFacts,
    RecentReads,
    SightingRules,
    sighting_id,
    validate_batch,
)

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RULES = SightingRules(max_clock_skew=timedelta(minutes=5), max_age=timedelta(days=7))
CHECKPOINT = GeoPoint(lat=22.54, lon=114.05)
DEVICES = {
    "cp-1": DeviceFacts(active=True, location=CHECKPOINT),
    "cp-2": DeviceFacts(active=True),
    "cp-old": DeviceFacts(active=False),
}


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
        row(device_id="cp-old"),
        row(location={"lat": 31.23, "lon": 121.47}),  # Shanghai: not this city
    ]
    batch = validate_batch(rows, DEVICES, NOW, RULES)
    assert [s.plate for s in batch.accepted] == ["粤T12345", "粤B54321"]
    assert [r.index for r in batch.rejected] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert all("not a plate" not in r.problem for r in batch.rejected)
    problems = {r.index: r.problem for r in batch.rejected}
    assert problems[1] == "not a recognisable plate number"
    assert problems[2] == "unknown device"
    assert problems[4] == "seen_at is in the future"
    assert problems[11] == "decommissioned device"
    assert problems[12] == "location outside the city"


def test_rows_repeating_another_row_of_the_batch_count_as_duplicates() -> None:
    batch = validate_batch([row(), row(plate="粤t12345"), row()], DEVICES, NOW, RULES)
    assert len(batch.accepted) == 1 and batch.duplicates == 2


def test_one_instant_written_with_two_offsets_is_one_sighting() -> None:
    beijing = NOW.astimezone(timezone(timedelta(hours=8))).isoformat()
    batch = validate_batch([row(), row(seen_at=beijing)], DEVICES, NOW, RULES)
    assert len(batch.accepted) == 1 and batch.duplicates == 1


def test_a_row_without_a_location_takes_its_devices() -> None:
    batch = validate_batch(
        [row(location=None), row(device_id="cp-2", location=None)], DEVICES, NOW, RULES
    )
    assert [s.location for s in batch.accepted] == [CHECKPOINT, None]


def test_a_device_reports_only_its_own_sightings() -> None:
    rows = [
        row(),
        row(device_id="cp-2", plate="粤B54321"),
        {k: v for k, v in row().items() if k != "device_id"} | {"plate": "粤A00001"},
    ]
    batch = validate_batch(rows, DEVICES, NOW, RULES, reporting_device="cp-1")
    assert [s.plate for s in batch.accepted] == ["粤T12345", "粤A00001"]
    assert [(r.index, r.problem) for r in batch.rejected] == [
        (1, "a device reports only its own sightings")
    ]


def test_double_reads_within_two_seconds_count_once() -> None:
    at = [NOW, NOW + timedelta(seconds=1.5), NOW + timedelta(seconds=3)]
    rows = [row(seen_at=t.isoformat()) for t in at] + [
        row(device_id="cp-2", seen_at=at[1].isoformat())
    ]
    batch = validate_batch(rows, DEVICES, NOW, RULES)
    assert [(s.device_id, s.seen_at) for s in batch.accepted] == [
        ("cp-1", at[0]),
        ("cp-1", at[2]),
        ("cp-2", at[1]),
    ]
    assert batch.duplicates == 1


def test_a_double_read_split_over_two_batches_counts_once_but_a_retry_is_kept() -> None:
    recent = RecentReads()
    first = validate_batch([row()], DEVICES, NOW, RULES, recent=recent)
    later = validate_batch(
        [row(seen_at=(NOW + timedelta(seconds=1)).isoformat())], DEVICES, NOW, RULES, recent=recent
    )
    again = validate_batch([row()], DEVICES, NOW, RULES, recent=recent)
    assert len(first.accepted) == 1
    assert later.accepted == [] and later.duplicates == 1
    assert len(again.accepted) == 1  # the same read again: idempotent downstream
