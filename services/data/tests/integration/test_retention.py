"""Retention removes exactly the expired sightings and leaves a matching receipt."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, select, text

from chassis.tables import outbox
from services.data.service import DataService
from services.data.store import sightings
from services.data.tests.integration.conftest import plant


def sighting(days_ago: float) -> dict[str, Any]:
    return {
        "sighting_id": uuid.uuid4(),
        "plate": "粤T12345",
        "device_id": "cp-1",
        "seen_at": datetime.now(UTC) - timedelta(days=days_ago),
        "batch_id": "b",
    }


def test_retention_deletes_exactly_the_expired_rows_and_records_a_receipt(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    data_db: Engine,
) -> None:
    settings_overrides["retention_days"] = {"sightings": 365}
    settings_overrides["outbox_relay_enabled"] = False  # the receipt stays visible in the outbox
    expired = [sighting(d) for d in (400, 366, 365.01)]
    kept = [sighting(d) for d in (364.99, 1)]
    plant(data_db, expired + kept)
    container_factory(DataService).start()

    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=30) as client:
        (receipt,) = client.data.apply_retention_now()
        (again,) = client.data.apply_retention_now()

    with data_db.connect() as conn:
        left = set(conn.execute(select(sightings.c.sighting_id)).scalars())
        partitions = set(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = to_regclass('sightings')"
                )
            ).scalars()
        )
        envelopes = [orjson.loads(e) for e in conn.execute(select(outbox.c.envelope)).scalars()]
    assert left == {s["sighting_id"] for s in kept}
    # wholly expired days were dropped as partitions; the partly expired one only lost rows
    for gone in expired[:2]:
        assert f"sightings_p{gone['seen_at']:%Y%m%d}" not in partitions
    for staying in kept:
        assert f"sightings_p{staying['seen_at']:%Y%m%d}" in partitions
    assert receipt["rows"] == 3 and again["rows"] == 0
    assert receipt["data_class"] == "sightings"
    expected = (
        sum(
            int.from_bytes(hashlib.sha256(str(s["sighting_id"]).encode()).digest()) for s in expired
        )
        % 2**256
    )
    assert receipt["digest"] == format(expected, "064x")
    assert datetime.fromisoformat(receipt["oldest"]) == min(s["seen_at"] for s in expired)
    assert datetime.fromisoformat(receipt["newest"]) == max(s["seen_at"] for s in expired)
    (audit,) = envelopes  # an empty run leaves no receipt
    assert audit["type"] == "data.audit.recorded.v1"
    assert audit["payload"]["operation"] == "retention.delete"
    assert audit["payload"]["details"]["rows"] == 3


def test_a_class_without_a_configured_period_is_kept(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    data_db: Engine,
) -> None:
    settings_overrides["retention_days"] = {}
    plant(data_db, [sighting(4000)])
    container_factory(DataService).start()
    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=30) as client:
        assert client.data.apply_retention_now() == []
    with data_db.connect() as conn:
        assert conn.execute(select(sightings.c.sighting_id)).first() is not None
