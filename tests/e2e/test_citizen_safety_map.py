"""The safety map through the gateway: public, nearest first exactly as a brute-force search
over every place finds them, GeoJSON, with opening hours an administrator may set."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx

from contracts.safety_map import SAFETY_MAP_KINDS
from contracts.values import distance_m
from demo import drive
from tests.support.platform import Gateway

MAP = "/api/v1/citizen/safety-map"
KINDS = [str(k) for k in SAFETY_MAP_KINDS]


async def register_places(
    client: httpx.AsyncClient, admin: str, centre: tuple[float, float], count: int, spread: float
) -> list[dict[str, Any]]:
    rng = random.Random(uuid.uuid4().int)
    tag = uuid.uuid4().hex[:8]
    places = []
    for i in range(count):
        place = {
            "place_id": f"sm-{tag}-{i:03d}",
            "kind": rng.choice([*KINDS, "school", "residential_community"]),
            "name": f"测试地点 {i}",
            "location": {
                "lat": round(centre[0] + rng.uniform(-spread, spread), 6),
                "lon": round(centre[1] + rng.uniform(-spread, spread), 6),
            },
            "district": "futian",
            "address": f"测试路 {i} 号",
            "phone": "0755-83000000",
        }
        created = await client.post("/api/v1/data/places", json=place, headers=drive.headers(admin))
        assert created.status_code == 201, created.text
        places.append(place)
    return places


async def every_place(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """All the places the data service holds, page by page (the brute force's haystack)."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/data/places", params=params, headers=drive.headers(token))
        assert page.status_code == 200, page.text
        found.extend(page.json()["places"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def brute_force(
    places: list[dict[str, Any]],
    lat: float,
    lon: float,
    radius: float,
    kinds: list[str],
    limit: int,
) -> list[tuple[str, float]]:
    scored = []
    for place in places:
        if place["kind"] not in kinds:
            continue
        metres = round(distance_m(lat, lon, place["location"]["lat"], place["location"]["lon"]), 3)
        if metres <= radius:
            scored.append((metres, place["place_id"]))
    scored.sort()
    return [(place_id, metres) for metres, place_id in scored[:limit]]


async def test_the_map_is_ordered_by_distance_and_matches_a_brute_force_search(
    gateway: Gateway,
) -> None:
    admin = await gateway.token("o-admin")
    centre = (22.5600 + random.uniform(-0.01, 0.01), 114.0600 + random.uniform(-0.01, 0.01))
    await register_places(gateway.client, admin, centre, count=60, spread=0.02)
    haystack = await every_place(gateway.client, admin)

    for radius, kinds, limit in (
        (1500.0, KINDS, 200),
        (3000.0, ["pawnshop", "locksmith"], 200),
        (20_000.0, KINDS, 25),
    ):
        params: dict[str, Any] = {"lat": centre[0], "lon": centre[1], "radius_m": radius}
        params["limit"] = limit
        if kinds != KINDS:
            params["kind"] = kinds
        answer = await gateway.client.get(MAP, params=params)  # public: no token
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/geo+json")
        collection = answer.json()
        assert collection["type"] == "FeatureCollection"
        shown = [(f["id"], f["properties"]["distance_m"]) for f in collection["features"]]
        expected = brute_force(haystack, centre[0], centre[1], radius, kinds, limit)
        assert shown == expected, (radius, kinds, limit)
        assert len(shown) >= 3, "the search found too little to mean anything"
        distances = [d for _, d in shown]
        assert distances == sorted(distances)
        by_id = {p["place_id"]: p for p in haystack}
        for feature in collection["features"]:
            place = by_id[feature["id"]]
            assert feature["geometry"]["coordinates"] == [
                place["location"]["lon"],
                place["location"]["lat"],
            ]
            assert feature["properties"]["kind"] == place["kind"]
            assert "open_now" in feature["properties"]


async def test_an_administrator_sets_opening_hours_and_open_now_filters(gateway: Gateway) -> None:
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    centre = (22.6100 + random.uniform(-0.01, 0.01), 113.9000 + random.uniform(-0.01, 0.01))
    tag = uuid.uuid4().hex[:8]
    for suffix, kind, north in (("ps", "police_station", 0.0003), ("lock", "locksmith", 0.0001)):
        created = await gateway.client.post(
            "/api/v1/data/places",
            json={
                "place_id": f"sm-{tag}-{suffix}",
                "kind": kind,
                "name": kind,
                "location": {"lat": centre[0] + north, "lon": centre[1]},
                "district": "nanshan",
            },
            headers=drive.headers(admin),
        )
        assert created.status_code == 201, created.text
    hours_path = f"{MAP}/places/sm-{tag}-lock/hours"
    closed = {"always_open": False, "periods": [], "note": "暂停营业"}
    refused = await gateway.client.put(hours_path, json=closed, headers=drive.headers(officer))
    assert refused.status_code == 403
    saved = await gateway.client.put(hours_path, json=closed, headers=drive.headers(admin))
    assert saved.status_code == 200, saved.text

    near = {"lat": centre[0], "lon": centre[1], "radius_m": 100}

    async def ids(**extra: Any) -> list[str]:
        answer = await gateway.client.get(MAP, params={**near, **extra})
        assert answer.status_code == 200, answer.text
        return [f["id"] for f in answer.json()["features"] if f["id"].startswith(f"sm-{tag}")]

    assert await ids() == [f"sm-{tag}-lock", f"sm-{tag}-ps"]
    assert await ids(open_now="true") == [f"sm-{tag}-ps"]  # a police station is open 24 h
    assert await ids(open_now="false") == [f"sm-{tag}-lock"]

    reset = await gateway.client.delete(hours_path, headers=drive.headers(admin))
    assert reset.status_code == 204
    answer = await gateway.client.get(MAP, params=near)
    lock = next(f for f in answer.json()["features"] if f["id"] == f"sm-{tag}-lock")
    assert lock["properties"]["hours_source"] == "kind_default"


async def test_the_limits_are_explicit_422s(gateway: Gateway) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"lat": 22.5, "lon": 114.0, "radius_m": 20_001}, "radius_m"),
        ({"lat": 22.5, "lon": 114.0, "limit": 201}, "limit"),
        ({"lat": 22.5}, "lon"),
        ({"lat": 22.5, "lon": 114.0, "kind": "school"}, "kind.0"),
    ]
    for params, field in cases:
        answer = await gateway.client.get(MAP, params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == field
