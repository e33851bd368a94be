"""Transactional outbox, relay and inbox against real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine

from chassis import metrics
from chassis.dependencies import Events
from chassis.outbox import build_envelope
from chassis.testing.infra import RabbitAdmin
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from chassis.tests.integration.helpers import (
    inbox_count,
    metric,
    outbox_statuses,
    queue_has_consumer,
    scrape,
    seen_count,
    start_service_process,
)
from chassis.tests.integration.sample_services import (
    NOBODY_LISTENS,
    NOTE_RECORDED,
    SampleConsumer,
    SampleProducer,
)
from contracts.actor import SYSTEM_ACTOR

PRODUCER_TARGET = "chassis.tests.integration.sample_services:SampleProducer"


def rpc(platform_config: dict[str, Any]) -> ClusterRpcClient:
    return ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10)


def test_a_committed_event_reaches_its_consumer_once(
    container_factory: Any,
    platform_config: dict[str, Any],
    consumer_db: Engine,
    producer_db: Engine,
) -> None:
    container_factory(SampleConsumer).start()
    container_factory(SampleProducer).start()

    with rpc(platform_config) as client:
        event_id = client.sample_producer.record_note("n-1", "hello", "n-1")

    eventually(lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1, what="event applied")
    eventually(lambda: outbox_statuses(producer_db) == ["sent"], what="outbox row marked sent")
    assert inbox_count(consumer_db) == 1


def test_an_event_committed_before_the_service_was_killed_is_published_after_restart(
    container_factory: Any,
    platform_config: dict[str, Any],
    test_vhost: str,
    schema_prefix: str,
    consumer_db: Engine,
    producer_db: Engine,
) -> None:
    container_factory(SampleConsumer).start()
    # the producer process commits but never gets to publish: its relay is off, then it dies
    process = start_service_process(
        PRODUCER_TARGET,
        platform_config["AMQP_URI"],
        schema_prefix,
        SP_OUTBOX_RELAY_ENABLED="false",
    )
    try:
        eventually(lambda: queue_has_consumer(test_vhost, "rpc-sample_producer"), timeout=20)
        with rpc(platform_config) as client:
            event_id = client.sample_producer.record_note("n-2", "before the crash", "n-2")
        assert outbox_statuses(producer_db) == ["pending"]
    finally:
        process.kill()
        process.wait(timeout=10)
    assert seen_count(consumer_db) == 0

    container_factory(SampleProducer).start()  # the restarted service, relay on

    eventually(lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1, what="event applied")
    eventually(lambda: outbox_statuses(producer_db) == ["sent"])
    assert inbox_count(consumer_db) == 1


def test_a_relay_whose_connection_the_broker_closes_before_the_confirm_loses_nothing(
    container_factory: Any,
    platform_config: dict[str, Any],
    test_vhost: str,
    consumer_db: Engine,
    producer_db: Engine,
) -> None:
    container_factory(SampleConsumer).start()
    producer = container_factory(SampleProducer)
    producer.start()
    relay = next(d for d in producer.dependencies if isinstance(d, Events)).relay
    assert relay is not None
    admin = RabbitAdmin()
    failures_before = metrics.OUTBOX_PUBLISH_FAILURES.labels("sample_producer")._value.get()
    with rpc(platform_config) as client:
        client.sample_producer.announce(NOBODY_LISTENS)  # connects the relay
    eventually(lambda: outbox_statuses(producer_db) == ["unroutable"])

    publish = relay._publish_batch
    closed: list[str] = []

    def relay_connections() -> list[str]:
        return [
            c["name"]
            for c in admin.connections(test_vhost)
            if c.get("client_properties", {}).get("connection_name") == relay.connection_name
        ]

    def close_connection_then_publish(rows: Any) -> None:
        if not closed:
            # the management API lists a connection once its statistics were first collected
            names = eventually(relay_connections, timeout=20, what="relay connection listed")
            for name in names:
                admin.close_connection(name)
            eventually(lambda: not relay_connections(), timeout=20, what="connection gone")
            closed.extend(names)
        publish(rows)

    relay._publish_batch = close_connection_then_publish  # type: ignore[method-assign]
    with rpc(platform_config) as client:
        event_id = client.sample_producer.record_note("n-3", "through a broken connection", "n-3")

    eventually(
        lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1, timeout=60, what="event applied"
    )
    eventually(lambda: outbox_statuses(producer_db)[-1] == "sent")
    assert closed, "the broker never closed the relay's connection"
    assert metrics.OUTBOX_PUBLISH_FAILURES.labels("sample_producer")._value.get() > failures_before
    assert seen_count(consumer_db) == 1
    assert inbox_count(consumer_db) == 1


def test_an_event_nobody_consumes_is_counted_unroutable_and_kept(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    producer_db: Engine,
) -> None:
    settings_overrides["outbox_unroutable_retry_s"] = 0.3
    settings_overrides["outbox_backlog_gauge_interval_s"] = 0.2
    producer = container_factory(SampleProducer)
    producer.start()

    with rpc(platform_config) as client:
        client.sample_producer.announce(NOBODY_LISTENS)
        eventually(lambda: outbox_statuses(producer_db) == ["unroutable"], what="kept unroutable")
        backlog = client.sample_producer.outbox_backlog()

    assert backlog["unroutable"] == 1
    assert (
        metric(
            scrape(producer),
            "sp_events_unroutable_total",
            service="sample_producer",
            type=NOBODY_LISTENS,
        )
        >= 1
    )
    # the gauge is recounted every outbox_backlog_gauge_interval_s, not on every round
    eventually(
        lambda: (
            metric(
                scrape(producer),
                "sp_outbox_backlog",
                service="sample_producer",
                status="unroutable",
            )
            == 1
        ),
        what="the backlog gauge counting the unroutable event",
    )
    # offered again later, it is still kept, never dropped
    eventually(
        lambda: (
            metric(
                scrape(producer),
                "sp_events_unroutable_total",
                service="sample_producer",
                type=NOBODY_LISTENS,
            )
            >= 2
        ),
        what="unroutable event offered again",
    )
    assert outbox_statuses(producer_db) == ["unroutable"]


def test_an_unroutable_event_is_delivered_once_a_consumer_binds_to_its_type(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    producer_db: Engine,
    consumer_db: Engine,
) -> None:
    settings_overrides["outbox_unroutable_retry_s"] = 0.2
    container_factory(SampleProducer).start()
    with rpc(platform_config) as client:
        event_id = client.sample_producer.record_note("n-4", "early", "n-4")
    eventually(lambda: outbox_statuses(producer_db) == ["unroutable"])

    container_factory(SampleConsumer).start()  # deployed later

    eventually(lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1, what="late delivery")
    eventually(lambda: outbox_statuses(producer_db) == ["sent"])


def test_a_redelivered_event_is_applied_once(
    container_factory: Any, platform_config: dict[str, Any], consumer_db: Engine
) -> None:
    consumer = container_factory(SampleConsumer)
    consumer.start()
    envelope = build_envelope(
        event_type=NOTE_RECORDED,
        payload={"note_id": "n-5"},
        producer="sample_producer",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )
    publish_envelopes(platform_config["AMQP_URI"], envelope, copies=2)

    eventually(
        lambda: (
            metric(
                scrape(consumer),
                "sp_events_consumed_total",
                service="sample_consumer",
                consumer="sample_consumer.on_note",
                outcome="duplicate",
            )
            >= 1
        ),
        what="second copy seen as a duplicate",
    )
    assert seen_count(consumer_db) == 1
    assert inbox_count(consumer_db) == 1
