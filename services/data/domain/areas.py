"""Areas for sweeps: shapes, their limits, the sensitive places they must not touch, the H3
cells that cover them.

Shapes are measured in metres on a local flat projection around the area (good to well under a
percent across a few kilometres), and tested for points in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import h3
import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from services.data.domain.lookback import LookbackRefused

METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
CELL_RESOLUTION = 9


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class PlaceOnRegister:
    place_id: str
    kind: str
    circle: Circle


class _Projection:
    """Degrees ↔ metres around a reference latitude."""

    def __init__(self, lat0: float) -> None:
        self.x_scale = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat0))

    def to_metres(self, lat: float, lon: float) -> tuple[float, float]:
        return lon * self.x_scale, lat * METRES_PER_DEGREE_LAT

    def geometry_in_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        """The same shape with (lon, lat) coordinates, as shapely and H3 expect."""
        scale = np.array([1 / self.x_scale, 1 / METRES_PER_DEGREE_LAT])
        return shapely.transform(geometry, lambda xy: xy * scale)


def _circle_metres(circle: Circle, projection: _Projection) -> BaseGeometry:
    return Point(*projection.to_metres(circle.lat, circle.lon)).buffer(circle.radius_m, 64)


def area_shape(
    circle: Circle | None, corners: list[tuple[float, float]] | None, max_radius_m: float
) -> tuple[BaseGeometry, BaseGeometry]:
    """(shape in metres, shape in degrees as (lon, lat)), or LookbackRefused if malformed or
    larger than a circle of `max_radius_m`."""
    if circle is not None:
        if circle.radius_m > max_radius_m:
            raise LookbackRefused(f"an area's radius is at most {max_radius_m:g} m")
        projection = _Projection(circle.lat)
        metres = _circle_metres(circle, projection)
    else:
        assert corners is not None
        projection = _Projection(sum(lat for lat, _ in corners) / len(corners))
        metres = Polygon([projection.to_metres(lat, lon) for lat, lon in corners])
        if not metres.is_valid:
            raise LookbackRefused("the polygon crosses itself or is degenerate")
        if metres.area > math.pi * max_radius_m**2:
            raise LookbackRefused(
                f"an area is at most as large as a circle of {max_radius_m:g} m radius"
            )
    return metres, projection.geometry_in_degrees(metres)


def sensitive_places_touched(
    area_degrees: BaseGeometry, register: Iterable[PlaceOnRegister]
) -> list[PlaceOnRegister]:
    touched = []
    for place in register:
        projection = _Projection(place.circle.lat)
        zone = projection.geometry_in_degrees(_circle_metres(place.circle, projection))
        if zone.intersects(area_degrees):
            touched.append(place)
    return touched


def covering_cells(area_degrees: BaseGeometry) -> list[int]:
    """H3 cells (resolution 9, as integers) that overlap the area."""
    shape = h3.geo_to_h3shape(area_degrees)
    cells = h3.h3shape_to_cells_experimental(shape, CELL_RESOLUTION, contain="overlap")
    return sorted(int(h3.str_to_int(c)) for c in cells)


def contains(area_degrees: BaseGeometry, lat: float, lon: float) -> bool:
    return bool(area_degrees.covers(Point(lon, lat)))


def within(inner: BaseGeometry, outer: BaseGeometry) -> bool:
    return bool(outer.buffer(1e-9).covers(inner))
