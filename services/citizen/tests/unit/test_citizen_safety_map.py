"""Safety map rules: opening hours in local time, defaults per kind, places as GeoJSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from contracts.places import Place, PlaceKind
from contracts.safety_map import (
    HoursSource,
    OpeningHours,
    OpeningPeriod,
    SafetyMap,
    SafetyMapKind,
)
from contracts.values import GeoPoint
from services.citizen.domain.safety_map import DEFAULT_HOURS, is_open, safety_map

SHANGHAI = timezone(timedelta(hours=8))
# 2026-11-30 is a Monday
MONDAY = datetime(2026, 11, 30, tzinfo=SHANGHAI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Local time on the ISO weekday `day` of that week."""
    return MONDAY + timedelta(days=day - 1, hours=hour, minutes=minute)


def hours(*periods: tuple[list[int], str, str]) -> OpeningHours:
    return OpeningHours(periods=[OpeningPeriod(days=d, opens=o, closes=c) for d, o, c in periods])


def place(
    place_id: str, kind: PlaceKind, metres: float, lat: float = 22.5, lon: float = 114.0
) -> Place:
    return Place(
        place_id=place_id,
        kind=kind,
        name=place_id,
        location=GeoPoint(lat=lat, lon=lon),
        district="futian",
        cell=1,
        distance_m=metres,
        address="深圳市福田区",
        phone="0755-83000000",
    )


def test_a_day_period_is_open_from_opening_up_to_closing_on_its_days_only() -> None:
    office = hours(([1, 2, 3, 4, 5], "09:00", "18:00"))
    assert not is_open(office, at(1, 8, 59))
    assert is_open(office, at(1, 9, 0))
    assert is_open(office, at(5, 17, 59))
    assert not is_open(office, at(5, 18, 0))
    assert not is_open(office, at(6, 12, 0))  # Saturday


def test_hours_are_reckoned_in_shanghai_time_whatever_zone_the_moment_is_in() -> None:
    office = hours(([1], "09:00", "18:00"))
    assert is_open(office, datetime(2026, 11, 30, 1, 30, tzinfo=UTC))  # 09:30 in Shanghai
    assert not is_open(office, datetime(2026, 11, 30, 10, 30, tzinfo=UTC))  # 18:30
    with pytest.raises(ValueError, match="naive"):
        is_open(office, datetime(2026, 11, 30, 10, 30))


def test_a_period_past_midnight_belongs_to_the_day_it_opened() -> None:
    night = hours(([5], "22:00", "02:00"))  # Friday night
    assert is_open(night, at(5, 23, 0))
    assert is_open(night, at(6, 1, 59))  # Saturday small hours
    assert not is_open(night, at(6, 2, 0))
    assert not is_open(night, at(5, 1, 0))  # Thursday's night was not open
    till_midnight = hours(([7], "18:00", "24:00"))
    assert is_open(till_midnight, at(7, 23, 59))
    assert not is_open(till_midnight, at(1, 0, 0))  # wraps to Monday


def test_always_open_and_no_periods_at_all() -> None:
    assert is_open(OpeningHours(always_open=True), at(3, 3, 0))
    assert not is_open(OpeningHours(), at(3, 12, 0))


def test_opening_hours_refuse_what_cannot_be_meant() -> None:
    for bad in (
        {"always_open": True, "periods": [{"days": [1], "opens": "09:00", "closes": "18:00"}]},
        {"periods": [{"days": [8], "opens": "09:00", "closes": "18:00"}]},
        {"periods": [{"days": [1, 1], "opens": "09:00", "closes": "18:00"}]},
        {"periods": [{"days": [1], "opens": "9:00", "closes": "18:00"}]},
        {"periods": [{"days": [1], "opens": "09:00", "closes": "24:01"}]},
        {"periods": [{"days": [], "opens": "09:00", "closes": "18:00"}]},
    ):
        with pytest.raises(ValidationError):
            OpeningHours.model_validate(bad)


def test_police_stations_and_self_service_halls_default_to_around_the_clock() -> None:
    small_hours = at(7, 3, 0)
    assert is_open(DEFAULT_HOURS[SafetyMapKind.POLICE_STATION], small_hours)
    assert is_open(DEFAULT_HOURS[SafetyMapKind.SELF_SERVICE_HALL], small_hours)
    for kind in (SafetyMapKind.PAWNSHOP, SafetyMapKind.LOCKSMITH, SafetyMapKind.SEAL_ENGRAVER):
        assert not is_open(DEFAULT_HOURS[kind], small_hours), kind
        assert is_open(DEFAULT_HOURS[kind], at(2, 10, 0)), kind
    assert set(DEFAULT_HOURS) == set(SafetyMapKind)


def test_places_become_features_nearest_first_with_lon_lat_and_their_hours() -> None:
    found = [
        place("ps-1", PlaceKind.POLICE_STATION, 10.0, lat=22.51, lon=114.02),
        place("school-1", PlaceKind.SCHOOL, 20.0),
        place("pawn-1", PlaceKind.PAWNSHOP, 30.0),
    ]
    own = {"pawn-1": OpeningHours(always_open=True, note="测试")}
    collection = safety_map(found, own, at(7, 3, 0), open_now=None, limit=50)
    document = collection.model_dump(mode="json")
    assert document["type"] == "FeatureCollection"
    first, second = document["features"]  # the school is not on the public map
    assert first["geometry"] == {"type": "Point", "coordinates": [114.02, 22.51]}
    assert first["id"] == first["properties"]["place_id"] == "ps-1"
    assert first["properties"]["hours_source"] == HoursSource.KIND_DEFAULT
    assert second["properties"]["hours_source"] == HoursSource.PLACE
    assert second["properties"]["opening_hours"]["note"] == "测试"
    assert [f["properties"]["distance_m"] for f in document["features"]] == [10.0, 30.0]
    assert SafetyMap.model_validate(document) == collection


def test_open_now_keeps_the_open_or_the_closed_and_the_limit_counts_what_is_kept() -> None:
    found = [
        place("lock-1", PlaceKind.LOCKSMITH, 5.0),
        place("ps-1", PlaceKind.POLICE_STATION, 10.0),
        place("seal-1", PlaceKind.SEAL_ENGRAVER, 15.0),
        place("ps-2", PlaceKind.POLICE_STATION, 20.0),
    ]
    night = at(7, 3, 0)
    opened = safety_map(found, {}, night, open_now=True, limit=50)
    assert [f.id for f in opened.features] == ["ps-1", "ps-2"]
    assert all(f.properties.open_now for f in opened.features)
    closed = safety_map(found, {}, night, open_now=False, limit=50)
    assert [f.id for f in closed.features] == ["lock-1", "seal-1"]
    assert [f.id for f in safety_map(found, {}, night, open_now=True, limit=1).features] == ["ps-1"]
    everything = safety_map(found, {}, night, open_now=None, limit=3)
    assert [f.properties.open_now for f in everything.features] == [False, True, False]
