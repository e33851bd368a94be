"""Validating a batch of sightings at the edge: plain Python, row by row.

A bad row is dropped and reported; it never fails the batch. Rows repeating another row of the
same batch (same device, plate and time) are counted once. Each sighting's id is derived from
what it asserts, so the same sighting posted again is the same sighting everywhere downstream.
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
class SightingRules:
    #: a device clock ahead of ours by more than this is wrong, not early
    max_clock_skew: timedelta = timedelta(minutes=5)
    #: older rows belong to a back-fill, not to live ingestion
    max_age: timedelta = timedelta(days=7)


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


def validate_batch(
    rows: Iterable[Any], known_devices: set[str], now: datetime, rules: SightingRules
) -> ValidatedBatch:
    accepted: list[Sighting] = []
    rejected: list[RejectedRow] = []
    seen: set[uuid.UUID] = set()
    duplicates = 0
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise ValueError("a sighting is an object")
            device_id = row.get("device_id")
            if not isinstance(device_id, str) or device_id not in known_devices:
                raise ValueError("unknown device")
            plate_raw = row.get("plate")
            if not isinstance(plate_raw, str):
                raise ValueError("plate must be a string")
            plate = normalise_plate(plate_raw)
            seen_at = _seen_at(row.get("seen_at"))
            if seen_at > now + rules.max_clock_skew:
                raise ValueError("seen_at is in the future")
            if seen_at < now - rules.max_age:
                raise ValueError("seen_at is too old for live ingestion")
            location = _location(row.get("location"))
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
    return ValidatedBatch(accepted, rejected, duplicates)
