"""Spans to the platform's own trace store (the management service), in batches.

Each batch travels as an event `<service>.spans.exported.v1` on the events exchange. Only
allow-listed attributes leave the process: spans carry no personal data (no URLs with plates in
them, no payloads, no arguments).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from kombu import Connection, Producer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from chassis.outbox import build_envelope, encode_envelope
from chassis.queues import EVENTS_EXCHANGE
from contracts.actor import SYSTEM_ACTOR
from contracts.audit import SpanRecord, SpansExported

log = logging.getLogger(__name__)

ALLOWED_ATTRIBUTES = frozenset(
    {
        "service_name",
        "entrypoint_type",
        "method_name",
        "http.method",
        "http.request.method",
        "http.route",
        "http.status_code",
        "http.response.status_code",
        "rpc.service",
        "rpc.method",
        "sp.operation",
        "sp.outcome",
        "sp.batch_events",
    }
)


def _iso(ns: int | None) -> datetime:
    return datetime.fromtimestamp((ns or 0) / 1e9, UTC)


def span_record(span: ReadableSpan, service: str) -> SpanRecord:
    context = span.get_span_context()
    assert context is not None
    attributes = {k: v for k, v in (span.attributes or {}).items() if k in ALLOWED_ATTRIBUTES}
    return SpanRecord(
        trace_id=format(context.trace_id, "032x"),
        span_id=format(context.span_id, "016x"),
        parent_span_id=format(span.parent.span_id, "016x") if span.parent else None,
        service=service,
        name=span.name[:200],
        kind=span.kind.name.lower(),
        start_time=_iso(span.start_time),
        end_time=_iso(span.end_time),
        status=span.status.status_code.name.lower(),
        attributes=attributes,
    )


class BrokerSpanExporter(SpanExporter):
    def __init__(self, amqp_uri: str, service: str) -> None:
        self.amqp_uri = amqp_uri
        self.service = service
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        envelope = build_envelope(
            event_type=f"{self.service}.spans.exported.v1",
            payload=SpansExported(spans=[span_record(s, self.service) for s in spans]),
            producer=self.service,
            actor=SYSTEM_ACTOR,
            traceparent=None,
        )
        with self._lock:
            try:
                self._publish(encode_envelope(envelope), envelope.type, str(envelope.event_id))
            except Exception:
                log.warning("span export failed")
                self._reset()
                return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _publish(self, body: bytes, routing_key: str, message_id: str) -> None:
        if self._connection is None:
            self._connection = Connection(self.amqp_uri, connect_timeout=5)
        producer = Producer(self._connection.default_channel)
        producer.publish(
            body,
            exchange=EVENTS_EXCHANGE.name,
            routing_key=routing_key,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=message_id,
            delivery_mode=2,
            retry=False,
        )

    def _reset(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to release
                self._connection.release()
        self._connection = None

    def shutdown(self) -> None:
        with self._lock:
            self._reset()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
