"""OpenTelemetry for nameko services: spans exported in batches, off the hot path.

Traces leave a service by OTLP/HTTP when an endpoint is configured (never OTLP/gRPC: grpcio
stays out of eventlet processes). Further span processors (the management service's trace
store, or an in-memory exporter in tests) are added with `add_span_processor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes

_provider: TracerProvider | None = None


class SkipNamedSpans(Sampler):
    """Records every span except those named here (health probes, metric scrapes, and the
    trace store's own intake, whose spans would otherwise feed themselves forever)."""

    def __init__(self, names: frozenset[str]) -> None:
        self._names = names
        self._otherwise = ParentBased(ALWAYS_ON)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if name in self._names:
            return SamplingResult(Decision.DROP)
        return self._otherwise.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"SkipNamedSpans({sorted(self._names)})"


def configure_tracing(
    service: str,
    otlp_endpoint: str | None = None,
    *,
    trace_store_amqp_uri: str | None = None,
    instrument_nameko: bool = True,
    untraced: Iterable[str] = (),
    record_spans: bool = False,
) -> TracerProvider:
    """Set the process's tracer provider; spans go to the platform's trace store through
    `trace_store_amqp_uri` and to an OTLP/HTTP collector when `otlp_endpoint` is set.

    With neither (and not `record_spans`), spans are not recorded at all, but trace ids are
    still made and propagated: audit records keep their trace id either way.
    """
    global _provider
    if _provider is None:
        record = bool(record_spans or trace_store_amqp_uri or otlp_endpoint)
        _provider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=SkipNamedSpans(frozenset(untraced)) if record else ALWAYS_OFF,
        )
        trace.set_tracer_provider(_provider)
        if instrument_nameko:
            from nameko_opentelemetry import NamekoInstrumentor

            NamekoInstrumentor().instrument()
        if trace_store_amqp_uri:
            from chassis.span_export import BrokerSpanExporter

            _provider.add_span_processor(
                BatchSpanProcessor(
                    BrokerSpanExporter(trace_store_amqp_uri, service), schedule_delay_millis=500
                )
            )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    if _provider is None:
        raise RuntimeError("configure_tracing first")
    _provider.add_span_processor(processor)
