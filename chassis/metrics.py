"""Prometheus metrics every service exports at `/metrics`. Labels never carry personal data."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

RPC_DURATION = Histogram(
    "sp_rpc_duration_seconds",
    "Time a service spent handling an RPC call.",
    ["service", "method", "outcome"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "sp_events_published_total",
    "Events the outbox relay published and the broker confirmed.",
    ["service", "type"],
    registry=REGISTRY,
)
EVENTS_UNROUTABLE = Counter(
    "sp_events_unroutable_total",
    "Events the broker returned because no queue was bound for their type; kept for retry.",
    ["service", "type"],
    registry=REGISTRY,
)
EVENTS_CONSUMED = Counter(
    "sp_events_consumed_total",
    "Events handled by a consumer, by outcome (applied, duplicate, retried, dead_lettered, "
    "malformed).",
    ["service", "consumer", "outcome"],
    registry=REGISTRY,
)
EVENTS_DEAD_LETTERED = Counter(
    "sp_events_dead_lettered_total",
    "Events a consumer gave up on after its retries; they wait in its dead-letter queue.",
    ["service", "consumer"],
    registry=REGISTRY,
)
EVENTS_REPLAYED = Counter(
    "sp_events_replayed_total",
    "Dead-lettered events an operator replayed into their consumer's queue.",
    ["service", "consumer"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "sp_outbox_backlog",
    "Outbox rows not yet confirmed by the broker, by status (pending, unroutable).",
    ["service", "status"],
    registry=REGISTRY,
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "sp_outbox_publish_failures_total",
    "Relay rounds abandoned because the broker connection failed before all confirms.",
    ["service"],
    registry=REGISTRY,
)


def render() -> bytes:
    return generate_latest(REGISTRY)
