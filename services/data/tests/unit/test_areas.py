from __future__ import annotations

import math

import pytest

from services.data.domain.areas import (
    Circle,
    PlaceOnRegister,
    area_shape,
    contains,
    covering_cells,
    sensitive_places_touched,
    within,
)
from services.data.domain.lookback import LookbackRefused
from services.data.domain.sightings import cell_of

LAT, LON = 22.5405, 114.0553


def test_a_circle_has_its_area_and_contains_what_lies_within_its_radius() -> None:
    metres, degrees = area_shape(Circle(LAT, LON, 500), None, 2000)
    assert metres.area == pytest.approx(math.pi * 500**2, rel=0.01)
    assert contains(degrees, LAT + 0.0044, LON)  # ~486 m north
    assert not contains(degrees, LAT + 0.0047, LON)  # ~520 m north
    assert cell_of(LAT, LON) in covering_cells(degrees)


def test_areas_larger_than_the_limit_or_self_crossing_are_refused() -> None:
    with pytest.raises(LookbackRefused, match="radius"):
        area_shape(Circle(LAT, LON, 2500), None, 2000)
    square_4km = [(LAT, LON), (LAT + 0.037, LON), (LAT + 0.037, LON + 0.039), (LAT, LON + 0.039)]
    with pytest.raises(LookbackRefused, match="at most as large"):
        area_shape(None, square_4km, 2000)  # 16 km² > π·(2 km)² ≈ 12.6 km²
    bow_tie = [(LAT, LON), (LAT + 0.001, LON + 0.001), (LAT, LON + 0.001), (LAT + 0.001, LON)]
    with pytest.raises(LookbackRefused, match="crosses itself"):
        area_shape(None, bow_tie, 2000)


def test_a_sensitive_place_near_the_edge_counts_as_touched() -> None:
    _, area = area_shape(Circle(LAT, LON, 500), None, 2000)
    near = PlaceOnRegister("a", "clinic", Circle(LAT + 0.0054, LON, 100))  # edge at ~500 m
    far = PlaceOnRegister("b", "school", Circle(LAT + 0.0080, LON, 100))
    assert [p.place_id for p in sensitive_places_touched(area, [near, far])] == ["a"]


def test_a_smaller_area_lies_within_a_larger_one() -> None:
    _, small = area_shape(Circle(LAT, LON, 200), None, 2000)
    _, large = area_shape(Circle(LAT, LON, 1000), None, 2000)
    _, elsewhere = area_shape(Circle(LAT + 0.02, LON, 200), None, 2000)
    assert within(small, large)
    assert not within(large, small)
    assert not within(elsewhere, large)
