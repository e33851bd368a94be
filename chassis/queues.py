"""Every exchange and queue the platform uses is declared here, with explicit arguments.

RabbitMQ fixes a queue's type and arguments at declaration (a policy cannot turn a classic
queue into a quorum queue, and a re-declaration with other arguments fails), so the chassis,
not nameko's defaults, decides them. Per consumer there are three queues:

    evt.<service>.<handler>          work queue, bound to the events exchange by event type
    evt.<service>.<handler>.retry    holds a failed event for its back-off, then returns it
    evt.<service>.<handler>.dead     the dead-letter queue, listed and replayed by operators
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from chassis.settings import QueueType

EVENTS_EXCHANGE = Exchange("platform.events", type="topic", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("platform.dead-letter", type="direct", durable=True)
RPC_EXCHANGE_NAME = "nameko-rpc"


def _type_arguments(queue_type: QueueType) -> dict[str, Any]:
    return {"x-queue-type": str(queue_type)}


def consumer_queue_name(service: str, handler: str) -> str:
    return f"evt.{service}.{handler}"


def retry_queue_name(consumer_queue: str) -> str:
    return f"{consumer_queue}.retry"


def dead_queue_name(consumer_queue: str) -> str:
    return f"{consumer_queue}.dead"


def consumer_queue(
    service: str, handler: str, event_types: tuple[str, ...], queue_type: QueueType
) -> Queue:
    name = consumer_queue_name(service, handler)
    bindings = [_binding(event_type) for event_type in event_types]
    return Queue(
        name,
        bindings=bindings,
        durable=True,
        queue_arguments={
            **_type_arguments(queue_type),
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": name,
        },
    )


def _binding(event_type: str) -> Any:
    from kombu import binding

    return binding(EVENTS_EXCHANGE, routing_key=event_type)


def retry_queue(consumer_queue_name_: str, queue_type: QueueType) -> Queue:
    # no consumers: a message waits out its per-message expiration, then is dead-lettered
    # through the default exchange straight back to the work queue
    return Queue(
        retry_queue_name(consumer_queue_name_),
        durable=True,
        queue_arguments={
            **_type_arguments(queue_type),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": consumer_queue_name_,
        },
    )


def dead_queue(consumer_queue_name_: str, queue_type: QueueType) -> Queue:
    return Queue(
        dead_queue_name(consumer_queue_name_),
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=consumer_queue_name_,
        durable=True,
        queue_arguments=_type_arguments(queue_type),
    )


def rpc_queue(service: str, queue_type: QueueType) -> Queue:
    return Queue(
        f"rpc-{service}",
        exchange=Exchange(RPC_EXCHANGE_NAME, type="topic", durable=True),
        routing_key=f"{service}.*",
        durable=True,
        queue_arguments=_type_arguments(queue_type),
    )
