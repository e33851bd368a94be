"""Audit records: what every service and the gateway send to the ledger."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.actor import Actor, Purpose


class Outcome(StrEnum):
    ALLOWED = "allowed"  # authorised and forwarded to the service
    DENIED = "denied"  # authenticated, not authorised
    UNAUTHENTICATED = "unauthenticated"
    REJECTED = "rejected"  # malformed, oversized or rate-limited


class AuditRecord(BaseModel):
    """Payload of `<producer>.audit.recorded.v1`.

    `subject` and `details` may be personal (a plate, a name): the ledger keeps them in a side
    table referenced by a keyed digest, so retention can delete them without breaking the log.
    """

    model_config = ConfigDict(extra="forbid")

    operation: str = Field(max_length=200)
    outcome: Outcome
    subject: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] | None = None
    http_status: int | None = None
    request_id: str | None = Field(default=None, max_length=100)


def audit_event_type(producer: str) -> str:
    return f"{producer}.audit.recorded.v1"


AUDIT_EVENT_PATTERN = "*.audit.recorded.v1"


class LedgerEntry(BaseModel):
    index: int
    record_id: str
    recorded_at: datetime
    occurred_at: datetime
    producer: str
    trace_id: str | None
    actor: Actor
    operation: str
    outcome: Outcome
    purpose: Purpose | None
    case_id: str | None
    subject: str | None = Field(description="null once retention removed the personal details")
    http_status: int | None
    leaf_hash: str


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(default=None, max_length=64)
    subject: str | None = Field(default=None, max_length=500)
    purpose: Purpose | None = None
    case_id: str | None = Field(default=None, max_length=64)
    trace_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=50, ge=1, le=500)
    after_index: int | None = Field(default=None, ge=-1, description="paging cursor")


class LedgerPage(BaseModel):
    items: list[LedgerEntry]
    next_cursor: str | None


class VerifyReport(BaseModel):
    ok: bool
    size: int
    root: str | None
    first_broken_index: int | None = None
    problem: str | None = None


class SpanRecord(BaseModel):
    trace_id: str
    span_id: str
    parent_span_id: str | None
    service: str
    name: str
    kind: str
    start_time: datetime
    end_time: datetime
    status: str
    attributes: dict[str, Any]


class SpansExported(BaseModel):
    """Payload of `<producer>.spans.exported.v1`."""

    spans: list[SpanRecord]


SPANS_EVENT_PATTERN = "*.spans.exported.v1"


class TraceStory(BaseModel):
    trace_id: str
    spans: list[SpanRecord]
    audit: list[LedgerEntry]
