"""The gateway's one robust AMQP connection: RPC, audit records and revocation events share it."""

from __future__ import annotations

import logging
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from aio_pika.exceptions import DeliveryError
from pydantic import ValidationError

from chassis.outbox import encode_envelope
from chassis.queues import EVENTS_EXCHANGE
from contracts.envelope import EventEnvelope
from contracts.errors import ServiceUnavailable
from contracts.identity import OFFICER_TOKENS_REVOKED, TOKEN_REVOKED
from gateway.auth import RevocationList

log = logging.getLogger(__name__)


async def connect(amqp_uri: str, name: str) -> AbstractRobustConnection:
    connection: AbstractRobustConnection = await aio_pika.connect_robust(
        amqp_uri, client_properties={"connection_name": name}
    )
    return connection


class AuditUnavailable(ServiceUnavailable):
    """The broker did not confirm an audit record: the request fails closed."""


class EventPublisher:
    """Publishes envelopes to the events exchange with confirms and `mandatory`."""

    def __init__(self, confirm_timeout_s: float, exchange: str = EVENTS_EXCHANGE.name) -> None:
        self.confirm_timeout_s = confirm_timeout_s
        self.exchange_name = exchange
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

    async def stop(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def publish(self, envelope: EventEnvelope) -> None:
        """Returns once the broker confirmed the event reached a queue; else AuditUnavailable."""
        message = aio_pika.Message(
            encode_envelope(envelope),
            content_type="application/json",
            content_encoding="utf-8",
            message_id=str(envelope.event_id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            if self._exchange is None:
                raise ConnectionError("publisher not started")
            await self._exchange.publish(
                message, routing_key=envelope.type, mandatory=True, timeout=self.confirm_timeout_s
            )
        except (DeliveryError, TimeoutError, ConnectionError, aio_pika.exceptions.AMQPError) as exc:
            log.warning(
                "event not confirmed",
                extra={"event_type": envelope.type, "error": type(exc).__name__},
            )
            raise AuditUnavailable("the audit ledger cannot record this request now") from None


class RevocationFeed:
    """Keeps the gateway's revocation list current from management's events.

    Every gateway instance has its own exclusive queue, so each one sees every revocation. It
    starts consuming before the snapshot is loaded, so no revocation falls between the two.
    """

    def __init__(self, revocations: RevocationList) -> None:
        self.revocations = revocations
        self._channel: AbstractChannel | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        self._channel = await connection.channel()
        exchange = await self._channel.declare_exchange(
            EVENTS_EXCHANGE.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await self._channel.declare_queue(exclusive=True, auto_delete=True)
        for event_type in (TOKEN_REVOKED, OFFICER_TOKENS_REVOKED):
            await queue.bind(exchange, routing_key=event_type)
        await queue.consume(self._on_event)

    async def stop(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def _on_event(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            try:
                envelope: dict[str, Any] = orjson.loads(message.body)
                self.revocations.apply_event(envelope["type"], envelope["payload"])
            except (orjson.JSONDecodeError, KeyError, ValidationError):
                log.warning("malformed revocation event ignored")
