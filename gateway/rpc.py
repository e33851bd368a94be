"""One persistent, multiplexed AMQP RPC client speaking nameko's wire protocol.

Many calls share one connection and one reply queue; replies are matched by correlation id.
Requests are published with publisher confirms and `mandatory` (a service whose queue was never
declared fails at once), expire with their timeout (an abandoned command never runs late), and
carry the trace and actor context as `nameko.*` headers. A service with no consumer on its
durable queue is answered 503 at once rather than 504 after the timeout.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from aio_pika.exceptions import ChannelClosed, DeliveryError
from opentelemetry import propagate, trace
from prometheus_client import Histogram

from chassis.context import DEADLINE_KEY
from chassis.metrics import REGISTRY
from chassis.queues import RPC_EXCHANGE_NAME
from contracts.errors import PlatformError, ServiceUnavailable, Timeout

CALL_DURATION = Histogram(
    "sp_gateway_rpc_duration_seconds",
    "Gateway RPC round trips by service, method and outcome.",
    ["service", "method", "outcome"],
    registry=REGISTRY,
)
tracer = trace.get_tracer("gateway.rpc")


class RpcTimeout(Timeout):
    """No reply within the call's timeout; the request expired in the broker unprocessed."""


class RemoteError(Exception):
    """A service answered with an error; `exc_type` names it in the error catalogue or not."""

    def __init__(self, exc_type: str, detail: str, fields: dict[str, Any]) -> None:
        super().__init__(detail)
        self.exc_type = exc_type
        self.detail = detail
        self.fields = fields


@dataclass
class _ConsumerCheck:
    checked_at: float
    has_consumer: bool


@dataclass
class RpcClient:
    default_timeout_s: float = 5.0
    consumer_check_ttl_s: float = 1.0
    _connection: AbstractRobustConnection | None = None
    _channel: AbstractChannel | None = None
    _exchange: AbstractExchange | None = None
    _reply_to: str = field(default_factory=lambda: uuid.uuid4().hex)
    _pending: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    _consumers: dict[str, _ConsumerCheck] = field(default_factory=dict)
    _check_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def start(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._exchange = await self._channel.declare_exchange(
            RPC_EXCHANGE_NAME, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await self._channel.declare_queue(
            f"rpc.reply-gateway-{self._reply_to}", exclusive=True, auto_delete=True
        )
        await queue.bind(self._exchange, routing_key=self._reply_to)
        await queue.consume(self._on_reply, no_ack=True)

    async def stop(self) -> None:
        for future in self._pending.values():
            future.cancel()
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(orjson.loads(message.body))

    async def has_consumer(self, service: str) -> bool:
        """Whether `rpc-<service>` has a consumer; believed for `consumer_check_ttl_s`."""
        now = time.monotonic()
        cached = self._consumers.get(service)
        if cached and now - cached.checked_at < self.consumer_check_ttl_s:
            return cached.has_consumer
        async with self._check_lock:
            assert self._connection is not None
            channel = await self._connection.channel()
            try:
                queue = await channel.declare_queue(f"rpc-{service}", passive=True)
                result = (queue.declaration_result.consumer_count or 0) > 0
            except ChannelClosed:
                result = False  # never declared: no such service has ever run
            finally:
                if not channel.is_closed:
                    await channel.close()
        self._consumers[service] = _ConsumerCheck(time.monotonic(), result)
        return result

    async def call(
        self,
        service: str,
        method: str,
        *args: Any,
        context: dict[str, Any] | None = None,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        timeout = min(timeout_s or self.default_timeout_s, self.default_timeout_s)
        started = time.perf_counter()
        outcome = "ok"
        with tracer.start_as_current_span(
            f"rpc {service}.{method}",
            kind=trace.SpanKind.CLIENT,
            attributes={"rpc.service": service, "rpc.method": method},
        ):
            try:
                return await self._call(service, method, args, kwargs, context or {}, timeout)
            except RemoteError as exc:
                outcome = exc.exc_type
                raise
            except PlatformError as exc:
                outcome = str(exc.code)
                raise
            finally:
                CALL_DURATION.labels(service, method, outcome).observe(
                    time.perf_counter() - started
                )

    async def _call(
        self,
        service: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: dict[str, Any],
        timeout: float,
    ) -> Any:
        if not self.connected or not await self.has_consumer(service):
            raise ServiceUnavailable(f"service {service} is not running")
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        headers: dict[str, Any] = {f"nameko.{k}": v for k, v in {**context, **carrier}.items()}
        headers["nameko.call_id_stack"] = [f"gateway.{service}.{method}.{uuid.uuid4().hex[:12]}"]
        # a request prefetched by the service must not run after we stopped waiting either
        headers[f"nameko.{DEADLINE_KEY}"] = int((time.time() + timeout) * 1000)
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        message = aio_pika.Message(
            orjson.dumps({"args": list(args), "kwargs": kwargs}),
            content_type="application/json",
            content_encoding="utf-8",
            correlation_id=correlation_id,
            reply_to=self._reply_to,
            headers=headers,
            expiration=timeout,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
        )
        try:
            assert self._exchange is not None
            try:
                await self._exchange.publish(
                    message, routing_key=f"{service}.{method}", mandatory=True, timeout=timeout
                )
            except DeliveryError:
                raise ServiceUnavailable(f"service {service} is not running") from None
            try:
                reply = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise RpcTimeout(f"{service} did not answer within {timeout:g}s") from None
        finally:
            self._pending.pop(correlation_id, None)
        error = reply.get("error")
        if error:
            args_ = error.get("exc_args") or []
            detail = args_[0] if args_ and isinstance(args_[0], str) else error.get("value", "")
            fields = args_[1] if len(args_) > 1 and isinstance(args_[1], dict) else {}
            raise RemoteError(error.get("exc_type", "Exception"), detail, fields)
        return reply.get("result")
