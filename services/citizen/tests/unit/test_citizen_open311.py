"""Open311 rules: the service list, what a request must carry, possible duplicates, the search
window and API keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts.open311 import (
    DUPLICATE_RADIUS_M,
    SERVICE_CODE_PATTERN,
    Datatype,
    ServiceRequestCreate,
)
from contracts.values import GeoPoint
from services.citizen.domain import open311 as rules

SCENE = GeoPoint(lat=22.5431, lon=114.0579)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def north_of(point: GeoPoint, metres: float) -> tuple[float, float]:
    return point.lat + metres / 111_195.0, point.lon


def test_the_service_list_has_metadata_exactly_where_there_are_attributes() -> None:
    services = rules.services()
    codes = [s.service_code for s in services]
    assert {"abandoned_vehicle", "illegal_parking", "noise_disturbance", "graffiti"} <= set(codes)
    assert len(codes) == len(set(codes))
    for service in services:
        assert re.match(SERVICE_CODE_PATTERN, service.service_code)
        assert service.type == "realtime"
        attributes = rules.definition(service.service_code).attributes
        assert service.metadata == bool(attributes), service.service_code
        assert [a.order for a in attributes] == list(range(1, len(attributes) + 1))
        for attribute in attributes:
            listed = attribute.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)
            assert bool(attribute.values) == listed, attribute.code
    with pytest.raises(rules.UnknownService):
        rules.definition("pothole_repair")


def test_answers_are_checked_against_the_definition_and_normalised() -> None:
    parking = rules.spec_of("illegal_parking")
    checked = rules.checked_attributes(parking, {"plate": "粤 b-12345", "blocking": "fire_lane"})
    assert checked == {"plate": "粤B12345", "blocking": "fire_lane"}
    hazard = rules.spec_of("road_hazard")
    assert rules.checked_attributes(hazard, {"hazards": ["debris", "spill", "debris"]}) == {
        "hazards": ["debris", "spill"]
    }
    assert rules.checked_attributes(hazard, {"hazards": "pothole"}) == {"hazards": ["pothole"]}
    noise = rules.spec_of("noise_disturbance")
    assert (
        rules.checked_attributes(
            noise,
            {
                "noise_type": "construction",
                "ongoing": "yes",
                "started_at": "2026-11-29T22:30:00+08:00",
            },
        )["started_at"]
        == "2026-11-29T22:30:00+08:00"
    )


@pytest.mark.parametrize(
    ("code", "answers", "field", "problem"),
    [
        ("illegal_parking", {"plate": "粤B12345"}, "attribute[blocking]", "required"),
        (
            "illegal_parking",
            {"plate": "粤B12345", "blocking": " "},
            "attribute[blocking]",
            "required",
        ),
        (
            "illegal_parking",
            {"plate": "粤B12345", "blocking": "roof"},
            "attribute[blocking]",
            "not_in_values",
        ),
        (
            "illegal_parking",
            {"plate": "not a plate", "blocking": "lane"},
            "attribute[plate]",
            "plate",
        ),
        (
            "illegal_parking",
            {"plate": "粤B12345", "blocking": "lane", "colour": "red"},
            "attribute[colour]",
            "unknown",
        ),
        ("road_hazard", {"hazards": ["debris", "meteor"]}, "attribute[hazards]", "not_in_values"),
        (
            "suspicious_activity",
            {"still_there": "no", "people_count": "many"},
            "attribute[people_count]",
            "number",
        ),
        (
            "suspicious_activity",
            {"still_there": ["no", "yes"]},
            "attribute[still_there]",
            "one_value",
        ),
        (
            "noise_disturbance",
            {"noise_type": "other", "ongoing": "no", "started_at": "2026-11-29T22:30"},
            "attribute[started_at]",
            "datetime",
        ),
    ],
)
def test_answers_that_do_not_fit_are_refused_naming_the_attribute(
    code: str, answers: dict[str, str | list[str]], field: str, problem: str
) -> None:
    with pytest.raises(rules.RequestRefused) as refused:
        rules.checked_attributes(rules.spec_of(code), answers)
    assert (field, problem) in refused.value.problems


def test_a_request_needs_a_whole_point() -> None:
    assert rules.location_of(
        ServiceRequestCreate(service_code="graffiti", lat=22.5, long=114.0)
    ) == GeoPoint(lat=22.5, lon=114.0)
    with pytest.raises(rules.RequestRefused, match="lat and long are required"):
        rules.location_of(
            ServiceRequestCreate(service_code="graffiti", address_string="深南大道 1 号")
        )
    with pytest.raises(ValidationError, match="lat and long go together"):
        ServiceRequestCreate(service_code="graffiti", lat=22.5)


def test_the_nearest_open_request_within_50_m_is_the_possible_duplicate() -> None:
    near = rules.OpenRequest("near", *north_of(SCENE, 30))
    nearer = rules.OpenRequest("nearer", *north_of(SCENE, 10))
    far = rules.OpenRequest("far", *north_of(SCENE, DUPLICATE_RADIUS_M + 5))
    assert rules.possible_duplicate(SCENE, [near, far, nearer]) == "nearer"
    assert rules.possible_duplicate(SCENE, [far]) is None
    assert rules.possible_duplicate(SCENE, []) is None
    south, west, north, east = rules.duplicate_search_box(SCENE)
    edge = north_of(SCENE, DUPLICATE_RADIUS_M)
    assert south < SCENE.lat < edge[0] < north and west < SCENE.lon < east
    assert "nearer" in rules.service_notice("nearer")
    assert "possible duplicate" not in rules.service_notice(None)


def test_the_search_window_is_90_days_at_most_the_last_90_by_default() -> None:
    window = timedelta(days=90)
    assert rules.search_window(None, None, NOW) == (NOW - window, NOW)
    start = NOW - timedelta(days=200)
    assert rules.search_window(start, None, NOW) == (start, start + window)
    assert rules.search_window(None, start, NOW) == (start - window, start)
    assert rules.search_window(start, start + window, NOW) == (start, start + window)
    for bad_start, bad_end in ((start, start + window + timedelta(seconds=1)), (NOW, start)):
        with pytest.raises(rules.RequestRefused):
            rules.search_window(bad_start, bad_end, NOW)
    with pytest.raises(rules.RequestRefused, match="time zone"):
        rules.search_window(datetime(2026, 11, 1), None, NOW)


def test_an_api_key_is_its_id_and_a_secret() -> None:
    key = rules.new_api_key()
    assert rules.split_api_key(key.api_key) == (key.key_id, key.secret)
    assert key.api_key != rules.new_api_key().api_key
    for bad in (
        None,
        "",
        key.key_id,
        key.secret,
        f"{key.key_id}.",
        f"{key.key_id}.short",
        f"x{key.api_key}",
    ):
        assert rules.split_api_key(bad) is None
