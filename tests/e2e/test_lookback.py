"""Look-back through the gateway: a sighted plate's trajectory, purpose-bound and recorded."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text

from chassis.testing.infra import DATABASE_URL
from demo import drive
from services.data.store import sightings
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


async def test_old_sightings_through_the_gateway_with_a_supervisors_authorisation(
    gateway: Gateway, platform: Any
) -> None:
    old = datetime.now(UTC) - timedelta(days=120)
    await asyncio.to_thread(plant_old_sighting, platform, "粤D77777", old)
    case = {"X-Purpose": "criminal_investigation", "X-Case-Id": "case-demo-0042"}
    supervisor = await drive.login(gateway.client, "zhang.min")
    officer = await drive.login(gateway.client, "li.wei")
    url = "/api/v1/data/vehicles/粤D77777/trajectory"
    window = {
        "since": (old - timedelta(hours=1)).isoformat(),
        "until": (old + timedelta(hours=1)).isoformat(),
    }

    hidden = await gateway.client.get(url, params=window, headers=drive.headers(officer, **case))
    assert hidden.status_code == 403
    not_a_supervisor = await gateway.client.post(
        "/api/v1/data/authorisations", json={}, headers=drive.headers(officer, **case)
    )
    assert not_a_supervisor.status_code == 403
    issued = await gateway.client.post(
        "/api/v1/data/authorisations",
        json={
            "case_id": "case-demo-0042",
            "plate": "粤D77777",
            "since": (old - timedelta(days=1)).isoformat(),
            "until": (old + timedelta(days=1)).isoformat(),
            "expires_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            "reason": "the demo case's spring movements",
        },
        headers=drive.headers(supervisor, **case),
    )
    assert issued.status_code == 201, issued.text
    shown = await gateway.client.get(
        url,
        params={**window, "authorisation_id": issued.json()["authorisation_id"]},
        headers=drive.headers(officer, **case),
    )
    assert shown.status_code == 200, shown.text
    assert len(shown.json()["points"]) == 1


def plant_old_sighting(platform: Any, plate: str, seen_at: datetime) -> None:
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={platform.schema_prefix}data"}
    )
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": seen_at.date()})
            conn.execute(
                insert(sightings).values(
                    sighting_id=uuid.uuid4(),
                    plate=plate,
                    device_id="cp-futian-01",
                    seen_at=seen_at,
                    batch_id="old",
                )
            )
    finally:
        engine.dispose()


async def test_a_checkpoint_collision_through_the_gateway(gateway: Gateway) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    start = datetime.now(UTC) - timedelta(minutes=30)
    for device, minutes in (("cp-futian-01", 0), ("cp-futian-02", 10)):
        await drive.post_sighting(
            gateway.client,
            officer,
            plate="粤E24680",
            device_id=device,
            seen_at=start + timedelta(minutes=minutes),
        )
    case = {"X-Purpose": "criminal_investigation", "X-Case-Id": "case-demo-0042"}
    supervisor = await drive.login(gateway.client, "zhang.min")
    issued = await gateway.client.post(
        "/api/v1/data/sweep-authorisations",
        json={
            "case_id": "case-demo-0042",
            "devices": ["cp-futian-01", "cp-futian-02"],
            "since": (start - timedelta(hours=1)).isoformat(),
            "until": (start + timedelta(hours=1)).isoformat(),
            "targets": [],
            "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "reason": "vehicles on both checkpoints of the route",
        },
        headers=drive.headers(supervisor, **case),
    )
    assert issued.status_code == 201, issued.text
    query = {
        "authorisation_id": issued.json()["authorisation_id"],
        "conditions": [
            {
                "device_id": "cp-futian-01",
                "since": (start - timedelta(minutes=5)).isoformat(),
                "until": (start + timedelta(minutes=5)).isoformat(),
            },
            {
                "device_id": "cp-futian-02",
                "since": (start + timedelta(minutes=5)).isoformat(),
                "until": (start + timedelta(minutes=15)).isoformat(),
            },
        ],
    }
    not_an_investigator = await gateway.client.post(
        "/api/v1/data/sweeps/collision", json=query, headers=drive.headers(officer, **case)
    )
    assert not_an_investigator.status_code == 403
    investigator = await drive.login(gateway.client, "zhang.min")  # supervisors may sweep too

    async def found() -> dict | None:
        response = await gateway.client.post(
            "/api/v1/data/sweeps/collision",
            json=query,
            headers=drive.headers(investigator, **case),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["count"] >= 1 else None

    result = await drive.until(found, "the plate on both checkpoints")
    assert result["plates"] == []  # not a named target: only a pseudonym
    assert result["pseudonyms"] and "粤E24680" not in str(result)


async def test_the_dossier_shows_the_flows_alert_and_hotlist_entry_without_calling_warning(
    gateway: Gateway,
) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    await drive.list_plate(gateway.client, officer)
    await drive.post_sighting(gateway.client, officer)  # 粤T12345 at cp-futian-01: an alert
    purpose = {"X-Purpose": "patrol_and_prevention"}

    async def dossier_with_alert() -> dict | None:
        response = await gateway.client.get(
            "/api/v1/data/vehicles/粤T12345/dossier", headers=drive.headers(officer, **purpose)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        complete = body["alerts"] and body["recent_sightings"] and body["hotlist_entries"]
        return body if complete else None

    dossier = await drive.until(dossier_with_alert, "the alert in the dossier")
    assert dossier["alerts"][0]["status"] == "possible"
    (entry,) = dossier["hotlist_entries"]
    assert (entry["case_id"], entry["state"]) == (drive.FLOW_CASE, "active")
    assert dossier["vehicle"] is None and dossier["owner"] is None  # not registered in the demo


async def test_a_person_lookup_without_a_purpose_is_refused_at_the_gateway(
    gateway: Gateway,
) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    url = "/api/v1/data/persons:lookup"
    refused = await gateway.client.post(
        url, json={"person_id": "p-nobody"}, headers=drive.headers(officer)
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    with_purpose = await gateway.client.post(
        url,
        json={"person_id": "p-nobody"},
        headers=drive.headers(officer, **{"X-Purpose": "patrol_and_prevention"}),
    )
    assert with_purpose.status_code == 404  # through to the data service, which knows no one
