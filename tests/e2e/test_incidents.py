"""Incidents through the gateway: dispatch records them, officers list their jurisdiction's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from demo import drive
from tests.support.platform import Gateway


def incident(unit_path: str, reported_at: datetime) -> dict:
    return {
        "incident_id": str(uuid.uuid4()),
        "reported_at": reported_at.isoformat(),
        "location": {"lat": 22.54, "lon": 114.05},
        "category": "fraud",
        "method": "telecom",
        "unit_path": unit_path,
    }


async def test_recorded_by_dispatch_and_listed_within_jurisdiction(gateway: Gateway) -> None:
    admin = await drive.login(gateway.client, "admin")
    officer = await drive.login(gateway.client, "li.wei")  # Xiangmihu station, Futian
    at = datetime(2025, 3, 1, 12, tzinfo=UTC) + timedelta(minutes=uuid.uuid4().int % 10_000)
    own = incident("sz/futian/futian-xiangmihu", at)
    other = incident("sz/nanshan/nanshan-shekou", at + timedelta(minutes=1))
    recorded = await gateway.client.post(
        "/api/v1/data/incidents:batch",
        json={"incidents": [own, other]},
        headers=drive.headers(admin),
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json() == {"recorded": 2, "repeated": 0}

    window = {
        "since": (at - timedelta(seconds=1)).isoformat(),
        "until": (at + timedelta(minutes=2)).isoformat(),
    }
    listed = await gateway.client.get(
        "/api/v1/data/incidents", params=window, headers=drive.headers(officer)
    )
    assert listed.status_code == 200, listed.text
    assert [i["incident_id"] for i in listed.json()["incidents"]] == [own["incident_id"]]

    refused = await gateway.client.post(
        "/api/v1/data/incidents:batch", json={"incidents": [own]}, headers=drive.headers(officer)
    )
    assert refused.status_code == 403


async def test_a_batch_over_the_limit_is_a_clear_422(gateway: Gateway) -> None:
    admin = await drive.login(gateway.client, "admin")
    at = datetime(2025, 3, 2, tzinfo=UTC)
    too_many = [incident("sz/futian/futian-xiangmihu", at) for _ in range(1001)]
    response = await gateway.client.post(
        "/api/v1/data/incidents:batch",
        json={"incidents": too_many},
        headers=drive.headers(admin),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("incidents")
