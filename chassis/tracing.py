"""OpenTelemetry for nameko services: spans exported in batches, off the hot path.

Traces leave a service by OTLP/HTTP when an endpoint is configured (never OTLP/gRPC: grpcio
stays out of eventlet processes). Further span processors (the management service's trace
store, or an in-memory exporter in tests) are added with `add_span_processor`.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_provider: TracerProvider | None = None


def configure_tracing(service: str, otlp_endpoint: str | None = None) -> TracerProvider:
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(_provider)
        from nameko_opentelemetry import NamekoInstrumentor

        NamekoInstrumentor().instrument()
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    if _provider is None:
        raise RuntimeError("configure_tracing first")
    _provider.add_span_processor(processor)
