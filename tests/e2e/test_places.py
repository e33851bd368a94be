"""Places through the gateway: administrators record them, any officer finds them."""

from __future__ import annotations

import uuid

from demo import drive
from tests.support.platform import Gateway


async def test_an_administrator_records_a_place_and_an_officer_finds_it_nearby(
    gateway: Gateway,
) -> None:
    admin = await drive.login(gateway.client, "admin")
    officer = await drive.login(gateway.client, "li.wei")
    place_id = f"poi-{uuid.uuid4().hex[:12]}"
    place = {
        "place_id": place_id,
        "kind": "locksmith",
        "name": "香蜜湖开锁店",
        "location": {"lat": 22.5470, "lon": 114.0230},
        "district": "futian",
    }
    created = await gateway.client.post(
        "/api/v1/data/places", json=place, headers=drive.headers(admin)
    )
    assert created.status_code == 201, created.text
    refused = await gateway.client.post(
        "/api/v1/data/places",
        json={**place, "place_id": place_id + "-x"},
        headers=drive.headers(officer),
    )
    assert refused.status_code == 403

    found = await gateway.client.get(
        "/api/v1/data/places",
        params={"lat": 22.5470, "lon": 114.0231, "radius_m": 500, "kind": "locksmith"},
        headers=drive.headers(officer),
    )
    assert found.status_code == 200, found.text
    (nearest, *_) = found.json()["places"]
    assert nearest["place_id"] == place_id
    assert 0 < nearest["distance_m"] < 20


async def test_a_point_without_its_other_half_is_a_clear_422(gateway: Gateway) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    response = await gateway.client.get(
        "/api/v1/data/places",
        params={"lat": 22.5, "radius_m": 500},
        headers=drive.headers(officer),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "near.lon"
