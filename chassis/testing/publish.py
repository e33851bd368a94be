"""Publishing envelopes straight to the events exchange, as a producer's relay would."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import amqp

from chassis.outbox import encode_envelope
from chassis.queues import EVENTS_EXCHANGE
from contracts.envelope import EventEnvelope


def publish_envelopes(amqp_uri: str, *envelopes: EventEnvelope, copies: int = 1) -> None:
    """Publish each envelope `copies` times, with confirms and `mandatory` (fails if unrouted)."""
    encoded = [(e.type, str(e.event_id), encode_envelope(e)) for e in envelopes]
    publish_encoded(amqp_uri, [item for item in encoded for _ in range(copies)])


def publish_encoded(amqp_uri: str, messages: list[tuple[str, str, bytes]]) -> None:
    """Publish already-encoded events: (event type, event id, body) each."""
    parts = urlsplit(amqp_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=parts.username or "guest",
        password=parts.password or "guest",
        virtual_host=unquote(parts.path[1:]) or "/",
        confirm_publish=True,
    )
    connection.connect()
    try:
        channel = connection.channel()
        for event_type, event_id, body in messages:
            channel.basic_publish(
                amqp.Message(body, content_type="application/json", message_id=event_id),
                exchange=EVENTS_EXCHANGE.name,
                routing_key=event_type,
                mandatory=True,
            )
    finally:
        connection.close()
