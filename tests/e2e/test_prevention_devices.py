"""The device registry through the gateway: an administrator registers a device, changes it
and gives it a credential; the device reports heartbeats with that credential, falls silent and
is listed offline by the running monitor, comes back; decommissioned, it is refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx

from demo import drive
from tests.support.platform import Gateway

API = "/api/v1/prevention/devices"
CITY_POINT = {"lat": 22.5431, "lon": 114.0579}


def device_headers(credential: str) -> dict[str, str]:
    return {"Authorization": f"Device {credential}"}


async def listed(client: httpx.AsyncClient, token: str, status: str) -> set[str]:
    response = await client.get(
        f"{API}/health", params={"status": status, "limit": 500}, headers=drive.headers(token)
    )
    assert response.status_code == 200, response.text
    return {d["device_id"] for d in response.json()["items"]}


async def register(gateway: Gateway, admin: str, **fields: Any) -> str:
    device_id = f"gate-e2e-{secrets.token_hex(4)}"
    created = await gateway.client.post(
        API,
        json={
            "device_id": device_id,
            "kind": "community_gate",
            "name": "景田小区东门",
            "unit_id": "futian",
            "location": CITY_POINT,
            **fields,
        },
        headers=drive.headers(admin),
    )
    assert created.status_code == 201, created.text
    return device_id


async def test_a_device_is_managed_reports_heartbeats_goes_offline_and_comes_back(
    gateway: Gateway,
) -> None:
    client = gateway.client
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    device_id = await register(
        gateway, admin, vendor="dahua", protocol="http", direction="inbound", heartbeat_interval_s=5
    )

    found = await client.get(f"{API}/{device_id}", headers=drive.headers(officer))
    assert found.status_code == 200, found.text
    assert found.json()["status"] == "pending" and found.json()["protocol"] == "http"
    assert device_id in await listed(client, officer, "pending")
    unknown = await client.get(f"{API}/gate-e2e-none", headers=drive.headers(officer))
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"

    changed = await client.patch(
        f"{API}/{device_id}", json={"direction": "both"}, headers=drive.headers(admin)
    )
    assert changed.status_code == 200 and changed.json()["direction"] == "both"
    renamed = await client.patch(
        f"{API}/{device_id}", json={"device_id": "other"}, headers=drive.headers(admin)
    )
    assert renamed.status_code == 422, renamed.text
    not_yours = await client.patch(
        f"{API}/{device_id}", json={"name": "x"}, headers=drive.headers(officer)
    )
    assert not_yours.status_code == 403

    refused = await client.post(
        f"{API}/{device_id}/credential:rotate", headers=drive.headers(officer)
    )
    assert refused.status_code == 403
    issued = await client.post(f"{API}/{device_id}/credential:rotate", headers=drive.headers(admin))
    assert issued.status_code == 200, issued.text
    assert issued.headers["cache-control"] == "no-store"
    credential = issued.json()["credential"]

    beat = await client.post(f"{API}/heartbeat", headers=device_headers(credential))
    assert beat.status_code == 200, beat.text
    assert beat.json() == {
        "device_id": device_id,
        "received_at": beat.json()["received_at"],
        "heartbeat_interval_s": 5,
        "status": "online",
    }
    officers_beat = await client.post(f"{API}/heartbeat", headers=drive.headers(officer))
    assert officers_beat.status_code == 403
    forged = await client.post(
        f"{API}/heartbeat",
        headers=device_headers(f"{device_id}.{secrets.token_urlsafe(32)}"),
    )
    assert forged.status_code == 401 and forged.json()["code"] == "unauthenticated"
    # a device's credential reaches only devices' operations
    as_officer = await client.get(f"{API}/{device_id}", headers=device_headers(credential))
    assert as_officer.status_code == 403

    async def offline() -> bool:
        return device_id in await listed(client, officer, "offline")

    # silent for two intervals (10 s), noticed by the monitor within its 5 s beat
    await drive.until(offline, "the silent device listed offline", timeout_s=60)
    back = await client.post(f"{API}/heartbeat", headers=device_headers(credential))
    assert back.status_code == 200 and back.json()["status"] == "online"
    health = (await client.get(f"{API}/{device_id}", headers=drive.headers(officer))).json()
    assert health["status"] == "online" and health["offline_since"] is None
    assert health["uptime_24h"]["down_s"] > 0 and health["uptime_24h"]["percent"] < 100


async def test_a_decommissioned_device_is_refused_its_heartbeats_and_sightings(
    gateway: Gateway,
) -> None:
    client = gateway.client
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    device_id = await register(gateway, admin, kind="checkpoint")
    issued = await client.post(f"{API}/{device_id}/credential:rotate", headers=drive.headers(admin))
    credential = issued.json()["credential"]
    assert (await client.post(f"{API}/heartbeat", headers=device_headers(credential))).is_success

    officers_try = await client.post(
        f"{API}/{device_id}:decommission", json={"reason": "x"}, headers=drive.headers(officer)
    )
    assert officers_try.status_code == 403
    retired = await client.post(
        f"{API}/{device_id}:decommission",
        json={"reason": "replaced by a new camera"},
        headers=drive.headers(admin),
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "decommissioned"
    assert device_id in await listed(client, officer, "decommissioned")

    # refused at once, although the gateway still remembers the credential it checked
    beat = await client.post(f"{API}/heartbeat", headers=device_headers(credential))
    assert beat.status_code == 401, beat.text
    receipt = await client.post(
        "/api/v1/prevention/sightings:batch",
        json={
            "batch_id": f"retired-{device_id}",
            "sightings": [
                {
                    "plate": "粤B12345",
                    "device_id": device_id,
                    "seen_at": datetime.now(UTC).isoformat(),
                }
            ],
        },
        headers=drive.headers(officer),
    )
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["accepted"] == 0
    assert [r["problem"] for r in receipt.json()["rejected"]] == ["decommissioned device"]
    again = await client.post(f"{API}/{device_id}/credential:rotate", headers=drive.headers(admin))
    assert again.status_code == 409
