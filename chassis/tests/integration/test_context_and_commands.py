"""Audit context and trace travel from an RPC call, through the outbox, to the consumer;
a retried command does its work once."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine, select

from chassis.context import actor_to_context
from chassis.tables import outbox
from chassis.testing.polling import eventually
from chassis.tests.integration.helpers import count, seen_count
from chassis.tests.integration.sample_services import SampleConsumer, SampleProducer, notes, seen
from contracts.actor import Actor, ActorKind, Purpose

OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="officer-17",
    unit="branch-3",
    roles=("investigator",),
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="case-42",
)


def test_actor_and_trace_travel_from_the_call_through_the_event_to_the_consumer(
    spans: InMemorySpanExporter,
    container_factory: Any,
    platform_config: dict[str, Any],
    producer_db: Engine,
    consumer_db: Engine,
) -> None:
    container_factory(SampleConsumer).start()
    container_factory(SampleProducer).start()
    spans.clear()
    context = {"actor": actor_to_context(OFFICER)}

    # the caller's span (the gateway's, in the platform) is the parent of everything after
    with (
        trace.get_tracer("test").start_as_current_span("incoming request") as incoming,
        ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context) as client,
    ):
        event_id = client.sample_producer.record_note("n-ctx", "with context", "k-ctx")
    trace_id = format(incoming.get_span_context().trace_id, "032x")

    eventually(lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1)
    with producer_db.connect() as conn:
        envelope = orjson.loads(conn.execute(select(outbox.c.envelope)).scalar_one())
    assert Actor.model_validate(envelope["actor"]) == OFFICER
    assert envelope["traceparent"].split("-")[1] == trace_id

    with consumer_db.connect() as conn:
        row = conn.execute(select(seen.c.actor_id, seen.c.traceparent)).one()
    assert row.actor_id == "officer-17"
    assert row.traceparent.split("-")[1] == trace_id

    def service_spans() -> set[str]:
        return {
            str(s.attributes.get("service_name", ""))
            for s in spans.get_finished_spans()
            if format(s.context.trace_id, "032x") == trace_id and s.attributes
        }

    eventually(lambda: {"sample_producer", "sample_consumer"} <= service_spans())
    for span in spans.get_finished_spans():
        attributes = dict(span.attributes or {})
        assert "with context" not in str(attributes), "a span carries request data"


def test_a_retried_command_does_its_work_once_and_returns_the_first_result(
    container_factory: Any, platform_config: dict[str, Any], producer_db: Engine
) -> None:
    container_factory(SampleProducer).start()

    with ClusterRpcClient(uri=platform_config["AMQP_URI"]) as client:
        first = client.sample_producer.record_note("n-idem", "once", "key-1")
        again = client.sample_producer.record_note("n-idem", "once", "key-1")
        concurrent = [
            client.sample_producer.record_note.call_async("n-idem-2", "race", "key-2")
            for _ in range(5)
        ]
        results = {reply.result() for reply in concurrent}

    assert again == first
    assert len(results) == 1
    assert count(producer_db, notes) == 2
    assert count(producer_db, outbox) == 2


def test_a_command_without_a_usable_idempotency_key_is_refused(
    container_factory: Any, platform_config: dict[str, Any]
) -> None:
    container_factory(SampleProducer).start()
    with (
        ClusterRpcClient(uri=platform_config["AMQP_URI"]) as client,
        pytest.raises(RemoteError) as refused,
    ):
        client.sample_producer.record_note("n-x", "no key", "")
    assert getattr(refused.value, "exc_type", None) == "ValidationFailed"


def test_an_idempotency_key_is_the_callers_own(
    container_factory: Any, platform_config: dict[str, Any], producer_db: Engine
) -> None:
    # clients choose keys: another caller's same key must neither replay nor block this one
    container_factory(SampleProducer).start()
    other = OFFICER.model_copy(update={"id": "officer-18"})
    results = []
    for actor in (OFFICER, other, OFFICER):
        context = {"actor": actor_to_context(actor)}
        with ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context) as client:
            results.append(client.sample_producer.record_note(f"n-{actor.id}", "mine", "same"))
    first, others, replayed = results
    assert others != first
    assert replayed == first
    assert count(producer_db, notes) == 2
