"""Audit context: the actor and trace context that travel with every call and event.

On RPC calls the actor rides as the nameko context key `actor` (header `nameko.actor`, a JSON
string) and the trace as `traceparent`; in events they sit in the envelope and are put back into
the worker's context data by the event entrypoint.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import propagate
from pydantic import ValidationError

from contracts.actor import SYSTEM_ACTOR, Actor

ACTOR_KEY = "actor"
TRACEPARENT_KEY = "traceparent"
#: epoch milliseconds (an integer: AMQP tables may carry floats in single precision) after
#: which the caller no longer waits for the answer
DEADLINE_KEY = "deadline_ms"


def actor_from_context(context_data: dict[str, Any]) -> Actor | None:
    raw = context_data.get(ACTOR_KEY)
    if not raw:
        return None
    try:
        return (
            Actor.model_validate_json(raw)
            if isinstance(raw, str | bytes)
            else Actor.model_validate(raw)
        )
    except ValidationError:
        return None


def actor_to_context(actor: Actor) -> str:
    return actor.model_dump_json(exclude_defaults=True)


def acting(context_data: dict[str, Any]) -> Actor:
    """The actor of the current worker, or the platform itself when nobody is named."""
    return actor_from_context(context_data) or SYSTEM_ACTOR


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT_KEY)
