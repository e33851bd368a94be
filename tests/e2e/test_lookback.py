"""Look-back through the gateway: a sighted plate's trajectory, purpose-bound and recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from demo import drive
from tests.support.platform import Gateway


async def test_an_officer_reads_a_trajectory_and_both_records_reach_the_ledger(
    gateway: Gateway,
) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    seen_at = datetime.now(UTC) - timedelta(minutes=5)
    receipt, _ = await drive.post_sighting(
        gateway.client, officer, plate="粤C54321", seen_at=seen_at
    )
    url = "/api/v1/data/vehicles/粤C54321/trajectory"
    window = {
        "since": (seen_at - timedelta(hours=1)).isoformat(),
        "until": (seen_at + timedelta(hours=1)).isoformat(),
    }
    purpose = {"X-Purpose": "patrol_and_prevention"}

    async def trajectory() -> list[dict]:
        response = await gateway.client.get(
            url, params=window, headers=drive.headers(officer, **purpose)
        )
        assert response.status_code == 200, response.text
        return response.json()["points"]

    (point,) = await drive.until(trajectory, "the sighting in the trajectory")
    assert point["device_id"] == "cp-futian-01"
    assert datetime.fromisoformat(point["seen_at"]) == seen_at

    no_purpose = await gateway.client.get(url, params=window, headers=drive.headers(officer))
    assert no_purpose.status_code == 403
    inverted = await gateway.client.get(
        url,
        params={"since": window["until"], "until": window["since"]},
        headers=drive.headers(officer, **purpose),
    )
    assert inverted.status_code == 422
    assert inverted.json()["detail"] == "since must be before until"

    served = await gateway.client.get(url, params=window, headers=drive.headers(officer, **purpose))
    auditor = await drive.login(gateway.client, "auditor")

    async def both_records() -> list[dict] | None:
        s = await drive.trace_story(gateway.client, auditor, served.headers["x-trace-id"])
        producers = {r["producer"]: r for r in s["audit"]}
        return list(producers.values()) if {"gateway", "data"} <= set(producers) else None

    records = await drive.until(both_records, "gateway's and data's records of the read")
    data_record = next(r for r in records if r["producer"] == "data")
    assert data_record["outcome"] == "served"
    assert data_record["subject"] == "plate=粤C54321"
    assert data_record["purpose"] == "patrol_and_prevention"
    assert receipt["accepted"] == 1
