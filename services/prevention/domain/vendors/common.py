"""What both vendor adapters share: the result type, the refusals, and the field rules.

An adapter turns a device's raw bytes into rows shaped like `contracts.sightings.SightingIn`
(validated again, row by row, by `domain.sightings.validate_batch`) and names every item it
could not turn into a row, by position, with a reason. It never raises: a payload it cannot
read at all comes back as one rejection with `index` None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.values import normalise_plate
from contracts.vendor_payloads import (
    MAX_PAYLOAD_BYTES,
    PAYLOAD_REASONS,
    VendorRejection,
)
from contracts.vendor_payloads import VendorRejectReason as Reason

#: vendor ids are echoed back to the device (GA/T 1400 answers name each object): only ids of
#: this plain shape are; anything else is answered without an id
_VENDOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
#: what recognisers write when they saw a vehicle but read no plate
NO_PLATE_WORDS = frozenset(
    {"", "-", "无", "无牌", "无车牌", "未识别", "未知", "车牌", "unknown", "none", "noplate"}
)
#: a coordinate written as text: decimal degrees, nothing else (no exponents, no "nan")
_DEGREES = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,15})?$")


class ItemRejected(Exception):
    """One item cannot become a sighting; the adapter records it and goes on."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Adapted:
    """An adapter's result: rows for `validate_batch`, and what was refused."""

    #: rows shaped like `SightingIn` (device_id, plate, seen_at as ISO text, optional location)
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: for each row, the position of its item in the payload
    row_items: list[int] = field(default_factory=list)
    #: the vendor's own id of each item in the payload, where usable
    item_ids: list[str | None] = field(default_factory=list)
    rejected: list[VendorRejection] = field(default_factory=list)

    @property
    def refused(self) -> VendorRejection | None:
        """The rejection of the whole payload, if it was refused whole."""
        return next((r for r in self.rejected if r.index is None), None)

    def add_row(self, index: int, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.row_items.append(index)

    def reject(self, index: int, problem: ItemRejected) -> None:
        self.rejected.append(
            VendorRejection(index=index, reason=problem.reason, detail=problem.detail)
        )


def refuse(reason: Reason, detail: str) -> Adapted:
    assert reason in PAYLOAD_REASONS, reason
    return Adapted(rejected=[VendorRejection(index=None, reason=reason, detail=detail)])


def refuse_unbounded(raw: bytes) -> Adapted | None:
    """The checks every payload passes before any parsing."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        return refuse(
            Reason.PAYLOAD_TOO_LARGE, f"payloads are limited to {MAX_PAYLOAD_BYTES} bytes"
        )
    if not raw.strip():
        return refuse(Reason.EMPTY_PAYLOAD, "the payload is empty")
    return None


def vendor_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _VENDOR_ID.match(value) else None


def text(value: Any, name: str) -> str:
    """A required text field."""
    if value is None:
        raise ItemRejected(Reason.MISSING_FIELD, f"{name} is required")
    if not isinstance(value, str):
        raise ItemRejected(Reason.WRONG_TYPE, f"{name} must be text")
    return value


def plate(value: Any, name: str) -> str:
    raw = text(value, name)
    if raw.strip().lower() in NO_PLATE_WORDS:
        raise ItemRejected(Reason.NO_PLATE, "no plate was read")
    try:
        return normalise_plate(raw)
    except ValueError:
        raise ItemRejected(Reason.BAD_PLATE, f"{name} is not a recognisable plate") from None


def degrees(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ItemRejected(Reason.BAD_LOCATION, f"{name} must be a number")
    if isinstance(value, str):
        if not _DEGREES.match(value.strip()):
            raise ItemRejected(Reason.BAD_LOCATION, f"{name} must be decimal degrees")
        value = value.strip()
    number = float(value)
    if not math.isfinite(number):
        raise ItemRejected(Reason.BAD_LOCATION, f"{name} must be finite")
    return number


def location(longitude: Any, latitude: Any) -> dict[str, float] | None:
    """Both or neither; (0, 0) is how devices without a fix say they have none."""
    if longitude is None and latitude is None:
        return None
    if longitude is None or latitude is None:
        raise ItemRejected(Reason.BAD_LOCATION, "longitude and latitude come together")
    lon, lat = degrees(longitude, "longitude"), degrees(latitude, "latitude")
    if lon == 0 and lat == 0:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ItemRejected(Reason.BAD_LOCATION, "location outside the globe")
    return {"lat": lat, "lon": lon}


def sighting_row(
    device_id: str, plate_no: str, seen_at: datetime, where: dict[str, float] | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "device_id": device_id,
        "plate": plate_no,
        "seen_at": seen_at.isoformat(),
    }
    if where is not None:
        row["location"] = where
    return row
