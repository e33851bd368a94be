"""Listing and replaying a consumer's dead-letter queue.

Listing takes messages without acknowledging them and closes the channel, which gives them all
back to the queue unchanged. Replay republishes each chosen message to the consumer's work queue
with publisher confirms, and only then acknowledges its dead copy: a replay interrupted midway
loses nothing, and the consumer's inbox absorbs any duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import amqp
import orjson
from kombu import Connection

from chassis import metrics, queues
from chassis.entrypoints import ATTEMPTS_HEADER, DEAD_LETTERED_AT_HEADER, LAST_ERROR_HEADER
from contracts.operations import DeadLetter, DeadLetterList

MAX_LISTED = 500


def _describe(consumer: str, message: Any) -> DeadLetter:
    headers = message.headers or {}
    event_id = message.properties.get("message_id")
    event_type = None
    try:
        body = orjson.loads(message.body)
        event_id = event_id or body.get("event_id")
        event_type = body.get("type")
    except (orjson.JSONDecodeError, AttributeError):
        pass
    dead_at = headers.get(DEAD_LETTERED_AT_HEADER)
    return DeadLetter(
        consumer=consumer,
        event_id=event_id,
        type=event_type,
        attempts=int(headers.get(ATTEMPTS_HEADER, 0)),
        error=headers.get(LAST_ERROR_HEADER),
        dead_lettered_at=datetime.fromisoformat(dead_at) if dead_at else None,
    )


def list_dead_letters(
    amqp_uri: str, service: str, consumer: str, queue_name: str, limit: int
) -> DeadLetterList:
    limit = max(1, min(limit, MAX_LISTED))
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            _, total, _ = channel.queue_declare(queues.dead_queue_name(queue_name), passive=True)
            items = []
            for _ in range(min(limit, total)):
                message = channel.basic_get(queues.dead_queue_name(queue_name), no_ack=False)
                if message is None:
                    break
                items.append(_describe(consumer, message))
        finally:
            channel.close()  # unacknowledged messages go back to the queue
    return DeadLetterList(service=service, consumer=consumer, total=total, items=items)


def replay_dead_letters(
    amqp_uri: str,
    service: str,
    consumer: str,
    queue_name: str,
    *,
    event_ids: set[str] | None,
    limit: int,
) -> int:
    replayed = 0
    dead_queue = queues.dead_queue_name(queue_name)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        try:
            _, waiting, _ = channel.queue_declare(dead_queue, passive=True)
            for _ in range(waiting):
                if replayed >= limit:
                    break
                message = channel.basic_get(dead_queue, no_ack=False)
                if message is None:
                    break
                if event_ids is not None and message.properties.get("message_id") not in event_ids:
                    continue  # left unacknowledged: returns to the queue when the channel closes
                headers = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if k not in (ATTEMPTS_HEADER, LAST_ERROR_HEADER, DEAD_LETTERED_AT_HEADER)
                    and not k.startswith("x-death")
                }
                replay = amqp.Message(
                    message.body,
                    content_type=message.properties.get("content_type"),
                    content_encoding=message.properties.get("content_encoding"),
                    application_headers=headers,
                    message_id=message.properties.get("message_id"),
                    delivery_mode=2,
                )
                channel.basic_publish(replay, exchange="", routing_key=queue_name, mandatory=True)
                channel.basic_ack(message.delivery_tag)
                replayed += 1
                metrics.EVENTS_REPLAYED.labels(service, consumer).inc()
        finally:
            channel.close()
    return replayed
