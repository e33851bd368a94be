"""Places and points of interest: recorded once, found by kind and district or nearest first."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine

from contracts.actor import Actor, ActorKind
from contracts.values import distance_m

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
OFFICER = Actor(kind=ActorKind.OFFICER, id="o-1", unit="f-1", scope="sz/f", roles=("officer",))
CENTRE = (22.5431, 114.0579)


def place(place_id: str, kind: str, lat: float, lon: float, district: str = "futian") -> dict:
    return {
        "place_id": place_id,
        "kind": kind,
        "name": f"{place_id} 名称",
        "location": {"lat": lat, "lon": lon},
        "district": district,
    }


PLACES = [
    place("pawn-1", "pawnshop", 22.5440, 114.0579),  # ~100 m north
    place("pawn-2", "pawnshop", 22.5531, 114.0579),  # ~1.1 km north
    place("lock-1", "locksmith", 22.5431, 114.0600),  # ~215 m east
    place("school-1", "school", 22.5431, 114.0579),  # on the centre
    place("pawn-far", "pawnshop", 22.4822, 113.9127, "nanshan"),  # ~16 km away
]


@pytest.fixture
def recorded(client: Any, data_db: Engine) -> None:
    with client(ADMIN) as rpc:
        for p in PLACES:
            stored = rpc.data.register_place(p)
            assert stored["cell"] > 0


def test_nearest_first_within_the_radius_with_distances(client: Any, recorded: None) -> None:
    with client(OFFICER) as rpc:
        found = rpc.data.find_places(
            {"near": {"lat": CENTRE[0], "lon": CENTRE[1]}, "radius_m": 2000}
        )
    ids = [p["place_id"] for p in found["places"]]
    assert ids == ["school-1", "pawn-1", "lock-1", "pawn-2"]
    for p in found["places"]:
        expected = distance_m(*CENTRE, p["location"]["lat"], p["location"]["lon"])
        assert p["distance_m"] == pytest.approx(expected, abs=0.01)


def test_near_search_filters_by_kind_and_pages(client: Any, recorded: None) -> None:
    query = {
        "near": {"lat": CENTRE[0], "lon": CENTRE[1]},
        "radius_m": 20_000,
        "kinds": ["pawnshop"],
        "limit": 2,
    }
    with client(OFFICER) as rpc:
        first = rpc.data.find_places(query)
        second = rpc.data.find_places({**query, "cursor": first["next_cursor"]})
    assert [p["place_id"] for p in first["places"]] == ["pawn-1", "pawn-2"]
    assert [p["place_id"] for p in second["places"]] == ["pawn-far"]
    assert second["next_cursor"] is None


def test_by_kind_and_district_in_id_order(client: Any, recorded: None) -> None:
    with client(OFFICER) as rpc:
        futian = rpc.data.find_places({"kinds": ["pawnshop"], "district": "futian", "limit": 1})
        rest = rpc.data.find_places(
            {"kinds": ["pawnshop"], "district": "futian", "cursor": futian["next_cursor"]}
        )
    assert [p["place_id"] for p in futian["places"]] == ["pawn-1"]
    assert [p["place_id"] for p in rest["places"]] == ["pawn-2"]
    assert rest["next_cursor"] is None


def test_a_place_is_recorded_once_and_only_by_an_administrator(client: Any, recorded: None) -> None:
    with client(ADMIN) as rpc, pytest.raises(RemoteError) as again:
        rpc.data.register_place(PLACES[0])
    assert again.value.exc_type == "Conflict"
    with client(OFFICER) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.register_place(place("new-1", "school", 22.5, 114.0))
    assert refused.value.exc_type == "Forbidden"


@pytest.mark.parametrize(
    "query",
    [
        {"near": {"lat": 22.5, "lon": 114.0}},  # a point without a radius
        {"near": {"lat": 22.5, "lon": 114.0}, "radius_m": 50_000},  # over the limit
        {"kinds": ["casino"]},
        {"near": {"lat": 22.5, "lon": 114.0}, "radius_m": 100, "cursor": "nonsense"},
    ],
)
def test_bad_queries_are_refused(client: Any, data_db: Engine, query: dict) -> None:
    with client(OFFICER) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.find_places(query)
    assert refused.value.exc_type == "ValidationFailed"
