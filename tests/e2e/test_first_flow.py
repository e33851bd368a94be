"""The first flow across the whole platform: hotlist → sighting → stored → possible match."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from chassis.testing.infra import DATABASE_URL
from demo import drive
from tests.support.platform import Gateway, Platform


def applied_by_warning(platform: Platform, event_id: str) -> bool:
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        f'SELECT count(*) FROM "{platform.schema_prefix}warning".inbox '
                        "WHERE event_id = :e"
                    ),
                    {"e": event_id},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def stored_sightings(platform: Platform, batch_id: str) -> int:
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        f'SELECT count(*) FROM "{platform.schema_prefix}data".sightings '
                        "WHERE batch_id = :b"
                    ),
                    {"b": batch_id},
                ).scalar_one()
            )
    finally:
        engine.dispose()


async def test_the_first_flow_end_to_end_with_its_trace_and_ledger(gateway: Gateway) -> None:
    said: list[str] = []
    trace_id = await drive.run_flow(gateway.client, said.append)
    assert len(trace_id) == 32
    assert said[0] == "1. li.wei logged in"
    assert said[-1].startswith("6. ledger verifies")
    auditor = await drive.login(gateway.client, "auditor")
    story = await drive.trace_story(gateway.client, auditor, trace_id)
    assert {"gateway", "prevention", "data", "warning"} <= {s["service"] for s in story["spans"]}
    (record,) = story["audit"]
    assert record["operation"] == "prevention.record_sightings"
    assert record["actor"]["id"] == "li.wei"
    records = await gateway.client.get(
        "/api/v1/audit/records",
        params={"trace_id": trace_id},
        headers=drive.headers(auditor, **{"X-Purpose": "audit_oversight"}),
    )
    assert [r["record_id"] for r in records.json()["items"]] == [record["record_id"]]


async def test_a_plate_not_on_the_hotlist_raises_no_alert(
    gateway: Gateway, platform: Platform
) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    await drive.list_plate(gateway.client, officer)  # the hotlist has entries: just not this one
    receipt, _ = await drive.post_sighting(gateway.client, officer, plate="粤A00001")
    await drive.until(
        lambda: asyncio.to_thread(applied_by_warning, platform, receipt["event_id"]),
        "warning matched the sighting event",
    )
    assert await drive.alerts_for(gateway.client, officer, "粤A00001") == []


async def test_the_same_batch_posted_twice_is_stored_once(
    gateway: Gateway, platform: Platform
) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    batch_id = f"twice-{uuid.uuid4().hex}"
    seen_at = datetime.now(UTC)
    first, _ = await drive.post_sighting(
        gateway.client, officer, batch_id=batch_id, seen_at=seen_at
    )
    second, _ = await drive.post_sighting(
        gateway.client, officer, batch_id=batch_id, seen_at=seen_at
    )
    assert first["replayed"] is False and second["replayed"] is True
    assert second["event_id"] == first["event_id"]
    await drive.until(
        lambda: asyncio.to_thread(stored_sightings, platform, batch_id), "sighting stored"
    )
    assert stored_sightings(platform, batch_id) == 1


async def test_a_bad_row_is_dropped_and_the_rest_of_the_batch_kept(gateway: Gateway) -> None:
    officer = await drive.login(gateway.client, "li.wei")
    now = datetime.now(UTC).isoformat()
    response = await gateway.client.post(
        "/api/v1/prevention/sightings:batch",
        json={
            "batch_id": f"mixed-{uuid.uuid4().hex}",
            "sightings": [
                # a plate of this test's own: another test's read of the same plate at the same
                # checkpoint within 2 s would make this one a double read
                {"plate": "粤 t-67890", "device_id": "cp-futian-01", "seen_at": now},
                {"plate": "not a plate", "device_id": "cp-futian-01", "seen_at": now},
                {"plate": "粤B11111", "device_id": "no-such-device", "seen_at": now},
                {"plate": "粤B22222", "device_id": "cp-futian-02", "seen_at": "yesterday"},
                {"plate": "粤T67890", "device_id": "cp-futian-01", "seen_at": now},
            ],
        },
        headers=drive.headers(officer),
    )
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["accepted"] == 1
    assert receipt["duplicates"] == 1  # "粤 t-67890" and "粤T67890" are the same plate
    assert [r["index"] for r in receipt["rejected"]] == [1, 2, 3]
    assert "not a plate" not in response.text  # problems are described, inputs not echoed
