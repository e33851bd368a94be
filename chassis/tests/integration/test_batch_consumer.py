"""Batch consumers: one transaction per batch, each event applied once, poison isolated."""

from __future__ import annotations

from typing import Any

from nameko.standalone.rpc import ClusterRpcClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from chassis.tests.integration.helpers import inbox_count, metric, scrape, seen_count
from chassis.tests.integration.sample_services import TALLY_COUNTED, SampleBatchConsumer
from contracts.actor import SYSTEM_ACTOR
from contracts.envelope import EventEnvelope

CONSUMER = "sample_consumer.on_tallies"


def tally(n: int, poison: bool = False, traceparent: str | None = None) -> EventEnvelope:
    return build_envelope(
        event_type=TALLY_COUNTED,
        payload={"n": n, "poison": poison},
        producer="sample_producer",
        actor=SYSTEM_ACTOR,
        traceparent=traceparent,
    )


def test_a_batch_of_redelivered_events_is_applied_once_each(
    container_factory: Any, platform_config: dict[str, Any], consumer_db: Engine
) -> None:
    consumer = container_factory(SampleBatchConsumer)
    consumer.start()
    publish_envelopes(platform_config["AMQP_URI"], *(tally(n) for n in range(20)), copies=2)

    eventually(lambda: seen_count(consumer_db) == 20, what="twenty tallies applied")
    eventually(
        lambda: (
            metric(
                scrape(consumer),
                "sp_events_consumed_total",
                service="sample_consumer",
                consumer=CONSUMER,
                outcome="applied",
            )
            == 40
        ),
        what="every copy acknowledged",
    )
    assert inbox_count(consumer_db) == 20


def test_a_poison_event_leaves_its_batch_and_dead_letters_alone(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    consumer_db: Engine,
) -> None:
    settings_overrides["event_max_retries"] = 1
    container_factory(SampleBatchConsumer).start()
    events = [tally(1), tally(2, poison=True), tally(3)]
    publish_envelopes(platform_config["AMQP_URI"], *events)

    eventually(lambda: seen_count(consumer_db) == 2, what="the two good tallies applied")
    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10) as client:
        listing = eventually(
            lambda: (
                (lst := client.sample_consumer.list_dead_letters(CONSUMER))["total"] == 1 and lst
            ),
            what="the poison tally dead-lettered",
        )
    assert listing["items"][0]["event_id"] == str(events[1].event_id)
    assert seen_count(consumer_db, events[1].event_id) == 0


def test_every_request_whose_event_a_batch_carried_gets_a_span_in_its_trace(
    spans: InMemorySpanExporter,
    container_factory: Any,
    platform_config: dict[str, Any],
    consumer_db: Engine,
) -> None:
    container_factory(SampleBatchConsumer).start()
    traces = [f"{n:032x}" for n in range(1, 4)]
    events = [tally(n, traceparent=f"00-{t}-{n:016x}-01") for n, t in enumerate(traces, 1)]
    publish_envelopes(platform_config["AMQP_URI"], *events)

    eventually(lambda: seen_count(consumer_db) == 3)

    def traced() -> set[str]:
        return {
            format(s.context.trace_id, "032x")
            for s in spans.get_finished_spans()
            if s.name == CONSUMER
        }

    eventually(lambda: set(traces) <= traced(), what="a span in each request's trace")
