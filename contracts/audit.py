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
    PERFORMED = "performed"  # an action the platform carried out itself (retention)
    SERVED = "served"  # personal data a service returned, for the recorded purpose


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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "index": 41,
                    "record_id": "9b2f…",
                    "recorded_at": "2026-11-29T08:00:01Z",
                    "occurred_at": "2026-11-29T08:00:00Z",
                    "producer": "gateway",
                    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                    "actor": {"kind": "officer", "id": "o-1024", "unit": "futian-1"},
                    "operation": "management.get_officer",
                    "outcome": "allowed",
                    "purpose": "patrol_and_prevention",
                    "case_id": None,
                    "subject": "officer_id=o-7",
                    "http_status": None,
                    "leaf_hash": "5f3a…",
                }
            ]
        }
    )

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
    details: dict[str, Any] | None = None
    http_status: int | None
    leaf_hash: str


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(default=None, max_length=64)
    producer: str | None = Field(default=None, max_length=64)
    operation: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, max_length=500)
    purpose: Purpose | None = None
    case_id: str | None = Field(default=None, max_length=64)
    trace_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=50, ge=1, le=500)
    after_index: int | None = Field(default=None, ge=-1, description="paging cursor")


class LedgerPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "next_cursor": "41"}]})

    items: list[LedgerEntry]
    next_cursor: str | None


class VerifyReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "size": 42,
                    "root": None,
                    "first_broken_index": 17,
                    "problem": "entry does not match its leaf hash",
                }
            ]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                    "spans": [
                        {
                            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                            "span_id": "00f067aa0ba902b7",
                            "parent_span_id": None,
                            "service": "gateway",
                            "name": "GET /api/v1/management/officers/{officer_id}",
                            "kind": "server",
                            "start_time": "2026-11-29T08:00:00Z",
                            "end_time": "2026-11-29T08:00:00.012Z",
                            "status": "unset",
                            "attributes": {
                                "http.route": "/api/v1/management/officers/{officer_id}"
                            },
                        }
                    ],
                    "audit": [],
                }
            ]
        }
    )

    trace_id: str
    spans: list[SpanRecord]
    audit: list[LedgerEntry]
