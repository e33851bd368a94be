"""Common value types used across contracts."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# A mainland plate: a province character, a letter, then 4-6 letters or digits, optionally a
# trailing class character (警, 学, 挂, 领, 港, 澳, 使).
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,6}[\u4e00-\u9fff]?$")
_PLATE_NOISE = re.compile(r"[\s\-_.·•・]")
PLATE_MAX_INPUT = 32


def normalise_plate(raw: str) -> str:
    """`粤T12345`, `粤 t-12345` and full-width `粤Ｔ１２３４５` are the same plate.

    Raises ValueError for anything that is not a plate.
    """
    if len(raw) > PLATE_MAX_INPUT:
        raise ValueError(f"plate longer than {PLATE_MAX_INPUT} characters")
    folded = unicodedata.normalize("NFKC", raw)
    plate = _PLATE_NOISE.sub("", folded).upper()
    if not _PLATE.match(plate):
        raise ValueError("not a recognisable plate number")
    return plate


Plate = Annotated[str, AfterValidator(normalise_plate)]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("coordinate must be a finite number")
    return value


EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class GeoPoint(BaseModel):
    """WGS-84 point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: Annotated[float, Field(ge=-90, le=90), AfterValidator(_finite)]
    lon: Annotated[float, Field(ge=-180, le=180), AfterValidator(_finite)]

    def distance_m(self, other: GeoPoint) -> float:
        return distance_m(self.lat, self.lon, other.lat, other.lon)


MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


class PageRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=200)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "next_cursor": None}]})

    items: list[T]
    next_cursor: str | None = None
