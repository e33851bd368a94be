"""An auditor sees what retention deleted, through the gateway, from the ledger."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert, text

from chassis.testing.infra import DATABASE_URL
from demo import drive
from services.data.store import sightings
from tests.support.platform import Gateway, Platform


def plant_expired_sightings(platform: Platform, count: int) -> None:
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={platform.schema_prefix}data"}
    )
    long_ago = datetime.now(UTC) - timedelta(days=400)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": long_ago.date()})
            conn.execute(
                insert(sightings),
                [
                    {
                        "sighting_id": uuid.uuid4(),
                        "plate": "粤B00001",
                        "device_id": "cp-futian-01",
                        "seen_at": long_ago,
                        "batch_id": "old",
                    }
                    for _ in range(count)
                ],
            )
    finally:
        engine.dispose()


async def test_retention_receipts_reach_the_ledger_and_the_auditors(
    gateway: Gateway, platform: Platform
) -> None:
    await asyncio.to_thread(plant_expired_sightings, platform, 7)
    rpc = gateway.app.state.platform.rpc
    (receipt,) = await rpc.call("data", "apply_retention_now", timeout_s=30)
    assert receipt["rows"] == 7

    auditor = await drive.login(gateway.client, "auditor")

    async def listed() -> list[dict]:
        response = await gateway.client.get(
            "/api/v1/data/retention/receipts", headers=drive.headers(auditor)
        )
        assert response.status_code == 200, response.text
        return [r for r in response.json()["items"] if r["digest"] == receipt["digest"]]

    (found,) = await drive.until(listed, "the receipt in the ledger")
    assert found["rows"] == 7 and found["data_class"] == "sightings"
    officer = await drive.login(gateway.client, "li.wei")
    refused = await gateway.client.get(
        "/api/v1/data/retention/receipts", headers=drive.headers(officer)
    )
    assert refused.status_code == 403
