"""Finding places: near a point (nearest first) or by kind and district, a page at a time."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contracts.values import distance_m
from services.data.domain.lookback import LookbackRefused

METRES_PER_DEGREE_LAT = 110_540.0


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float


def bounding_box(lat: float, lon: float, radius_m: float) -> Box:
    """A box holding every point within the radius (a little more: the caller filters)."""
    dlat = radius_m / METRES_PER_DEGREE_LAT * 1.01
    dlon = dlat / max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    return Box(lat - dlat, lon - dlon, lat + dlat, lon + dlon)


def nearest_cursor(distance: float, place_id: str) -> str:
    return f"{distance:.3f}|{place_id}"


def parse_nearest_cursor(raw: str | None) -> tuple[float, str] | None:
    if raw is None:
        return None
    try:
        distance, place_id = raw.split("|", 1)
        return float(distance), place_id
    except ValueError:
        raise LookbackRefused("invalid cursor") from None


def nearest_page(
    candidates: Iterable[Any],
    lat: float,
    lon: float,
    radius_m: float,
    after: tuple[float, str] | None,
    limit: int,
) -> tuple[list[tuple[float, Any]], str | None]:
    """Candidates (rows with place_id, lat, lon) within the radius, nearest first, ties by id;
    one page after the cursor, and the cursor of the next page if there may be one."""
    found = []
    for row in candidates:
        metres = round(distance_m(lat, lon, row.lat, row.lon), 3)
        if metres <= radius_m:
            found.append((metres, row))
    found.sort(key=lambda pair: (pair[0], pair[1].place_id))
    if after is not None:
        found = [pair for pair in found if (pair[0], pair[1].place_id) > after]
    page = found[:limit]
    cursor = None
    if len(found) > limit:
        last_distance, last = page[-1]
        cursor = nearest_cursor(last_distance, last.place_id)
    return page, cursor
