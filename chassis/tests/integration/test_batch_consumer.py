"""Batch consumers: one transaction per batch, each event applied once, poison isolated."""

from __future__ import annotations

from typing import Any

from nameko.standalone.rpc import ClusterRpcClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine

from chassis.outbox import build_envelope
from chassis.queues import consumer_queue_name
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from chassis.tests.integration.helpers import (
    inbox_count,
    metric,
    queue_messages,
    scrape,
    seen_count,
    set_switch,
    switch_on,
)
from chassis.tests.integration.sample_services import TALLY_COUNTED, SampleBatchConsumer
from contracts.actor import SYSTEM_ACTOR
from contracts.envelope import EventEnvelope

CONSUMER = "sample_consumer.on_tallies"
CONSUMER_QUEUE = consumer_queue_name("sample_consumer", "on_tallies")


def tally(
    n: int, poison: bool = False, traceparent: str | None = None, hold: bool = False
) -> EventEnvelope:
    return build_envelope(
        event_type=TALLY_COUNTED,
        payload={"n": n, "poison": poison, "hold": hold},
        producer="sample_producer",
        actor=SYSTEM_ACTOR,
        traceparent=traceparent,
    )


def applied(container: Any) -> float:
    return metric(
        scrape(container),
        "sp_events_consumed_total",
        service="sample_consumer",
        consumer=CONSUMER,
        outcome="applied",
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


def test_a_later_batch_never_acknowledges_an_earlier_one_still_running(
    container_factory: Any, platform_config: dict[str, Any], consumer_db: Engine
) -> None:
    # deliveries are acknowledged in runs (`multiple`); a run must stop at a batch in progress
    set_switch(consumer_db, "hold_tallies", True)
    first = container_factory(SampleBatchConsumer)
    first.start()
    # the process's counters outlive a container: count from where earlier tests left them
    applied_at_start = applied(first)
    held = tally(0, hold=True)
    publish_envelopes(platform_config["AMQP_URI"], held)
    eventually(lambda: switch_on(consumer_db, "holding"), what="the first batch held")
    publish_envelopes(platform_config["AMQP_URI"], *(tally(n) for n in range(1, 6)))
    eventually(lambda: seen_count(consumer_db) == 5, what="the later batch applied")
    eventually(lambda: applied(first) == applied_at_start + 5, what="the later batch finished")

    applied_before = applied(first)
    first.kill()  # the held batch never commits: the broker must still have it
    set_switch(consumer_db, "hold_tallies", False)
    second = container_factory(SampleBatchConsumer)
    second.start()
    eventually(lambda: seen_count(consumer_db, held.event_id) == 1, what="the held tally applied")
    assert seen_count(consumer_db) == 6
    eventually(lambda: applied(second) == applied_before + 6, what="the redelivered six finished")
    second.stop()
    assert queue_messages(platform_config["AMQP_URI"], CONSUMER_QUEUE) == 0
