"""Validating a batch of sightings at the edge: plain Python, row by row.

A bad row is dropped and reported; it never fails the batch. Reads of one plate by one device
less than `double_read_window` apart are one sighting (checkpoints read a passing car twice);
the later reads count as duplicates. Each sighting's id is derived from what it asserts, so the
same sighting posted again is the same sighting everywhere downstream.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.sightings import RejectedRow, Sighting
from contracts.values import GeoPoint, normalise_plate

SIGHTING_NAMESPACE = uuid.UUID("6f1c2a52-3d7e-4f7e-9a47-5c8d1f0b2e61")


@dataclass(frozen=True)
class Bounds:
    """The city's bounding box: a read placed outside it is a device's mistake."""

    south: float
    west: float
    north: float
    east: float

    def contain(self, point: GeoPoint) -> bool:
        return self.south <= point.lat <= self.north and self.west <= point.lon <= self.east


#: Shenzhen, with a margin
SHENZHEN = Bounds(south=22.40, west=113.70, north=22.90, east=114.70)


@dataclass(frozen=True)
class SightingRules:
    #: a device clock ahead of ours by more than this is wrong, not early
    max_clock_skew: timedelta = timedelta(minutes=5)
    #: older rows belong to a back-fill, not to live ingestion
    max_age: timedelta = timedelta(days=7)
    #: two reads of a plate by a device closer than this are one passage
    double_read_window: timedelta = timedelta(seconds=2)
    city: Bounds = SHENZHEN


@dataclass(frozen=True)
class DeviceFacts:
    """What validation needs of a device: whether it may still report, and where it stands."""

    active: bool
    location: GeoPoint | None = None


@dataclass
class ValidatedBatch:
    accepted: list[Sighting]
    rejected: list[RejectedRow]
    duplicates: int


def sighting_id(device_id: str, plate: str, seen_at: datetime) -> uuid.UUID:
    """One instant is one sighting, whatever offset the device wrote it with."""
    instant = seen_at.astimezone(UTC).isoformat(timespec="microseconds")
    return uuid.uuid5(SIGHTING_NAMESPACE, f"{device_id}|{plate}|{instant}")


def _seen_at(raw: Any) -> datetime:
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValueError("seen_at must be an ISO 8601 time")
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("seen_at must carry a time zone")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _location(raw: Any) -> GeoPoint | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("location must be an object with lat and lon")
    lat, lon = raw.get("lat"), raw.get("lon")
    if not (_is_number(lat) and _is_number(lon)):
        raise ValueError("location needs numeric lat and lon")
    lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("location outside the globe")
    return GeoPoint.model_construct(lat=lat, lon=lon)


class RecentReads:
    """The last read of each (device, plate) this process accepted, so a double read split
    across two batches is still one sighting. Bounded: when full it forgets everything, which
    only lets a rare double read through as two sightings."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self.max_entries = max_entries
        self._last: dict[tuple[str, str], datetime] = {}

    def last(self, device_id: str, plate: str) -> datetime | None:
        return self._last.get((device_id, plate))

    def remember(self, device_id: str, plate: str, seen_at: datetime) -> None:
        if len(self._last) >= self.max_entries:
            self._last.clear()
        previous = self._last.get((device_id, plate))
        if previous is None or seen_at > previous:
            self._last[(device_id, plate)] = seen_at


def validate_batch(
    rows: Iterable[Any],
    devices: dict[str, DeviceFacts],
    now: datetime,
    rules: SightingRules,
    *,
    reporting_device: str | None = None,
    recent: RecentReads | None = None,
) -> ValidatedBatch:
    """`reporting_device`: the device submitting (rows naming another device are refused, rows
    naming none are its own); None when an officer or a system submits."""
    accepted: list[Sighting] = []
    rejected: list[RejectedRow] = []
    seen: set[uuid.UUID] = set()
    duplicates = 0
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise ValueError("a sighting is an object")
            device_id = row.get("device_id", reporting_device)
            if reporting_device is not None and device_id != reporting_device:
                raise ValueError("a device reports only its own sightings")
            facts = devices.get(device_id) if isinstance(device_id, str) else None
            if facts is None or not isinstance(device_id, str):
                raise ValueError("unknown device")
            if not facts.active:
                raise ValueError("decommissioned device")
            plate_raw = row.get("plate")
            if not isinstance(plate_raw, str):
                raise ValueError("plate must be a string")
            plate = normalise_plate(plate_raw)
            seen_at = _seen_at(row.get("seen_at"))
            if seen_at > now + rules.max_clock_skew:
                raise ValueError("seen_at is in the future")
            if seen_at < now - rules.max_age:
                raise ValueError("seen_at is too old for live ingestion")
            location = _location(row.get("location")) or facts.location
            if location is not None and not rules.city.contain(location):
                raise ValueError("location outside the city")
        except ValueError as exc:
            rejected.append(RejectedRow(index=index, problem=str(exc)))
            continue
        identity = sighting_id(device_id, plate, seen_at)
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        accepted.append(
            Sighting.model_construct(
                sighting_id=identity,
                plate=plate,
                device_id=device_id,
                seen_at=seen_at,
                location=location,
            )
        )
    kept = _without_double_reads(accepted, rules.double_read_window, recent)
    return ValidatedBatch(kept, rejected, duplicates + len(accepted) - len(kept))


def _without_double_reads(
    sightings: list[Sighting], window: timedelta, recent: RecentReads | None
) -> list[Sighting]:
    """Reads of a plate by a device within `window` of the last kept one are dropped: the
    passage is the first read. Order of the batch is kept."""
    last_kept: dict[tuple[str, str], datetime] = {}
    dropped: set[uuid.UUID] = set()
    for sighting in sorted(sightings, key=lambda s: s.seen_at):
        key = (sighting.device_id, sighting.plate)
        before = last_kept.get(key)
        if before is None and recent is not None:
            before = recent.last(*key)
        # the very same read again (a retried batch) is the same sighting, not a double read
        if (
            before is not None
            and before != sighting.seen_at
            and abs(sighting.seen_at - before) < window
        ):
            dropped.add(sighting.sighting_id)
            continue
        last_kept[key] = sighting.seen_at
    kept = [s for s in sightings if s.sighting_id not in dropped]
    if recent is not None:
        for sighting in kept:
            recent.remember(sighting.device_id, sighting.plate, sighting.seen_at)
    return kept
