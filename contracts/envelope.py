"""The one envelope every event travels in."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.actor import Actor

#: `<producer>.<noun>.<verb>.v<N>`: explicit, versioned wire names, never class names.
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$")
#: a consumer may bind to a topic pattern: `*` stands for one segment (`*.audit.recorded.v1`)
EVENT_BINDING_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*)(\.(\*|[a-z][a-z0-9_]*))+\.v[1-9][0-9]*$")
TRACEPARENT_PATTERN = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def validate_event_type(value: str) -> str:
    if not EVENT_TYPE_PATTERN.match(value):
        raise ValueError(f"event type {value!r} is not of the form <producer>.<noun>.<verb>.v<N>")
    return value


def validate_event_binding(value: str) -> str:
    if not EVENT_BINDING_PATTERN.match(value):
        raise ValueError(f"event binding {value!r} is not an event type or a `*` pattern of one")
    return value


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    type: str = Field(max_length=200)
    occurred_at: datetime
    producer: str = Field(min_length=1, max_length=64)
    traceparent: str | None = None
    #: traceparents of the other requests whose facts this event carries (a batch)
    links: tuple[str, ...] = ()
    actor: Actor
    payload: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _type_is_versioned(cls, value: str) -> str:
        return validate_event_type(value)

    @field_validator("traceparent")
    @classmethod
    def _traceparent_is_w3c(cls, value: str | None) -> str | None:
        if value is not None and not TRACEPARENT_PATTERN.match(value):
            raise ValueError("traceparent is not a W3C traceparent")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone")
        return value
