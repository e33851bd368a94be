from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from contracts.values import GeoPoint, PageRequest, Plate, normalise_plate


@pytest.mark.parametrize(
    "raw", ["粤T12345", "粤 t-12345", "粤Ｔ１２３４５", " 粤T·12345 ", "粤t.12345"]
)
def test_spellings_of_one_plate_normalise_to_the_same_plate(raw: str) -> None:
    assert normalise_plate(raw) == "粤T12345"


@pytest.mark.parametrize("raw", ["粤B12345警", "京AD12345", "沪A1234学"])
def test_special_and_new_energy_plates_are_plates(raw: str) -> None:
    assert normalise_plate(raw) == raw


@pytest.mark.parametrize(
    "raw", ["", "T12345", "粤12345", "粤T1", "粤T12345678", "x" * 40, "粤T12 34'5;"]
)
def test_non_plates_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_plate(raw)


def test_plate_type_normalises_inside_models() -> None:
    class Sighting(BaseModel):
        plate: Plate

    assert Sighting(plate="粤 t-12345").plate == "粤T12345"
    with pytest.raises(ValidationError):
        Sighting(plate="not a plate")


@pytest.mark.parametrize(
    ("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -180.5), (float("nan"), 0)]
)
def test_geo_points_outside_the_globe_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError):
        GeoPoint(lat=lat, lon=lon)


def test_geo_point_accepts_the_edges() -> None:
    assert GeoPoint(lat=-90, lon=180).lat == -90


def test_page_size_is_bounded() -> None:
    assert PageRequest().limit == 50
    with pytest.raises(ValidationError):
        PageRequest(limit=0)
    with pytest.raises(ValidationError):
        PageRequest(limit=501)
