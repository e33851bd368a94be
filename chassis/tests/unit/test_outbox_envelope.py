from __future__ import annotations

from datetime import UTC, datetime

import orjson
from pydantic import BaseModel

from chassis.context import actor_from_context, actor_to_context
from chassis.outbox import build_envelope, encode_envelope
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind
from contracts.envelope import EventEnvelope

FIXED = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class Payload(BaseModel):
    plate: str
    count: int


def test_envelope_carries_producer_actor_trace_and_links() -> None:
    actor = Actor(kind=ActorKind.OFFICER, id="o-1", unit="u-1")
    parent = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
    linked = "00-" + "3" * 32 + "-" + "4" * 16 + "-01"
    envelope = build_envelope(
        event_type="prevention.sighting.recorded.v1",
        payload=Payload(plate="粤T12345", count=2),
        producer="prevention",
        actor=actor,
        traceparent=parent,
        links=[linked],
        clock=lambda: FIXED,
    )
    assert envelope.occurred_at == FIXED
    assert envelope.actor == actor
    assert envelope.traceparent == parent
    assert envelope.links == (linked,)
    assert envelope.payload == {"plate": "粤T12345", "count": 2}


def test_encoded_envelope_decodes_to_the_same_envelope() -> None:
    envelope = build_envelope(
        event_type="data.thing.stored.v1",
        payload={"k": "v"},
        producer="data",
        actor=SYSTEM_ACTOR,
        traceparent=None,
        clock=lambda: FIXED,
    )
    assert EventEnvelope.model_validate(orjson.loads(encode_envelope(envelope))) == envelope


def test_actor_survives_the_context_header_and_garbage_is_ignored() -> None:
    actor = Actor(kind=ActorKind.SERVICE_ACCOUNT, id="svc", on_behalf_of="o-2", roles=("a",))
    assert actor_from_context({"actor": actor_to_context(actor)}) == actor
    assert actor_from_context({"actor": "{not json"}) is None
    assert actor_from_context({}) is None
