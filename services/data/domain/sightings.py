"""Sightings as the data service keeps them, read straight from event payloads.

The hot path skips per-row models (a pydantic model per row cost more than the COPY): prevention
validated every row at the edge, so here a row is read field by field into a tuple, and turned
into COPY text by a formatter that knows each field's type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import h3

#: H3 resolution of a sighting's cell (~0.1 km² hexagons): area queries and hotspots use it
CELL_RESOLUTION = 9
NULL = r"\N"


class SightingRow(NamedTuple):
    sighting_id: str
    plate: str
    device_id: str
    seen_at: datetime
    lat: float | None
    lon: float | None
    cell: int | None
    batch_id: str


def cell_of(lat: float, lon: float) -> int:
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, CELL_RESOLUTION)))


def rows_of(payload: dict[str, Any]) -> list[SightingRow]:
    """The rows of one `prevention.sighting.recorded.v1` payload."""
    batch_id = str(payload["batch_id"])
    rows = []
    for s in payload["sightings"]:
        place = s.get("location")
        lat, lon = (float(place["lat"]), float(place["lon"])) if place else (None, None)
        rows.append(
            SightingRow(
                str(s["sighting_id"]),
                s["plate"],
                s["device_id"],
                datetime.fromisoformat(s["seen_at"]),
                lat,
                lon,
                cell_of(lat, lon) if lat is not None and lon is not None else None,
                batch_id,
            )
        )
    return rows


def days_of(rows: Iterable[SightingRow]) -> set[date]:
    """The UTC days the rows fall on: the partitions they need."""
    return {r.seen_at.astimezone(UTC).date() for r in rows}


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def copy_text(rows: Iterable[SightingRow]) -> str:
    """COPY text for columns (sighting_id, plate, device_id, seen_at, lat, lon, cell, batch_id).

    Plates, device ids and batch ids were validated against patterns without tabs or newlines at
    the edge; they are escaped all the same, cheaply, in case a producer ever lets one through.
    """
    lines = []
    for r in rows:
        lines.append(
            f"{r.sighting_id}\t{_text(r.plate)}\t{_text(r.device_id)}\t{r.seen_at.isoformat()}\t"
            f"{NULL if r.lat is None else repr(r.lat)}\t{NULL if r.lon is None else repr(r.lon)}\t"
            f"{NULL if r.cell is None else r.cell}\t{_text(r.batch_id)}\n"
        )
    return "".join(lines)


def as_records(rows: Iterable[SightingRow]) -> list[dict[str, Any]]:
    """The rows as column → value mappings, for the INSERT fallback."""
    return [r._asdict() for r in rows]
