"""Sightings from events into day partitions: COPY, once each, whatever is redelivered."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, func, select, text

from chassis.metrics import REGISTRY
from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR
from contracts.envelope import EventEnvelope
from contracts.sightings import SIGHTING_RECORDED, Sighting, SightingsRecorded
from contracts.values import GeoPoint
from services.data.service import DataService
from services.data.store import sightings

MIDNIGHT = datetime(2026, 11, 29, tzinfo=UTC)


def a_sighting(seen_at: datetime, plate: str = "粤T12345") -> Sighting:
    return Sighting(
        sighting_id=uuid.uuid4(),
        plate=plate,
        device_id="cp-1",
        seen_at=seen_at,
        location=GeoPoint(lat=22.54, lon=114.05),
    )


def event_of(batch_id: str, rows: list[Sighting]) -> EventEnvelope:
    return build_envelope(
        event_type=SIGHTING_RECORDED,
        payload=SightingsRecorded(batch_id=batch_id, unit=None, sightings=rows),
        producer="prevention",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(sightings)).scalar_one())


def test_a_batch_across_midnight_lands_in_two_day_partitions(
    container_factory: Any, platform_config: dict[str, Any], data_db: Engine
) -> None:
    container_factory(DataService).start()
    beijing = timezone(timedelta(hours=8))
    rows = [
        a_sighting(MIDNIGHT - timedelta(seconds=1)),
        a_sighting(MIDNIGHT),
        # 07:59 on the 30th in Beijing is 23:59 on the 29th in UTC: the 29th's partition
        a_sighting((MIDNIGHT + timedelta(hours=23, minutes=59)).astimezone(beijing)),
    ]
    publish_envelopes(platform_config["AMQP_URI"], event_of("b-1", rows))

    eventually(lambda: stored(data_db) == 3, what="three sightings stored")
    with data_db.connect() as conn:
        by_partition: dict[str, int] = dict(
            conn.execute(
                text("SELECT tableoid::regclass::text, count(*) FROM sightings GROUP BY 1")
            ).all()
        )
        cells = conn.execute(select(sightings.c.cell)).scalars().all()
    assert by_partition == {"sightings_p20261128": 1, "sightings_p20261129": 2}
    assert all(cells)


def test_a_redelivered_batch_adds_nothing_and_a_resent_sighting_is_stored_once(
    container_factory: Any, platform_config: dict[str, Any], data_db: Engine
) -> None:
    container_factory(DataService).start()
    first = [a_sighting(MIDNIGHT + timedelta(minutes=i)) for i in range(5)]
    event = event_of("b-1", first)
    publish_envelopes(platform_config["AMQP_URI"], event, copies=2)
    eventually(lambda: stored(data_db) == 5)

    # another batch repeats two sightings and brings three new ones: the COPY fails on the
    # repeats and the batch goes through INSERT … ON CONFLICT DO NOTHING instead
    second = [*first[:2], *(a_sighting(MIDNIGHT + timedelta(hours=1, minutes=i)) for i in range(3))]
    publish_envelopes(platform_config["AMQP_URI"], event_of("b-2", second))
    eventually(lambda: stored(data_db) == 8, what="only the three new sightings added")
    with data_db.connect() as conn:
        ids = conn.execute(select(sightings.c.sighting_id)).scalars().all()
    assert len(ids) == len(set(ids)) == 8


def retried() -> float:
    value = REGISTRY.get_sample_value(
        "sp_events_consumed_total",
        {"service": "data", "consumer": "data.store_sightings", "outcome": "retried"},
    )
    return value or 0.0


def test_a_copy_kept_waiting_on_a_lock_lets_go_and_its_batch_lands_later(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    data_db: Engine,
) -> None:
    """A COPY holds the whole process; waiting on someone's lock it must give up, not hang."""
    settings_overrides["sightings_copy_lock_timeout_ms"] = 300
    container_factory(DataService).start()
    rows = [a_sighting(MIDNIGHT + timedelta(minutes=i)) for i in range(3)]
    with data_db.begin() as conn:
        conn.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": MIDNIGHT.date()})
    blocker = data_db.connect()
    # if the COPY did hang the process, the server ends the lock holder after a while, so the
    # test fails (too slow an answer, a broken connection) instead of hanging for ever
    blocker.execute(text("SET idle_in_transaction_session_timeout = '8s'"))
    blocker.commit()
    transaction = blocker.begin()
    try:
        # what a partition being made or dropped holds
        blocker.execute(text("LOCK TABLE sightings IN ACCESS EXCLUSIVE MODE"))
        publish_envelopes(platform_config["AMQP_URI"], event_of("b-locked", rows))
        # the COPY waited on the lock, gave up, and its batch went to be retried
        eventually(lambda: retried() >= 1, timeout=15, what="the batch's COPY giving up")
        with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=5) as rpc:
            started = time.monotonic()
            assert rpc.data.find_places({"kinds": ["school"]})["places"] == []
            assert time.monotonic() - started < 3  # the process answers: it is not hung
        # (read through the lock holder: anyone else would wait for the lock)
        assert blocker.execute(select(func.count()).select_from(sightings)).scalar_one() == 0
    finally:
        transaction.rollback()
        blocker.close()
    eventually(lambda: stored(data_db) == 3, timeout=30, what="the batch stored on a retry")
