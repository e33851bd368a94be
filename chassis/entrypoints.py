"""nameko entrypoints whose queues and ports the chassis decides.

Use these, never nameko's own `rpc`/`http`/`event_handler`: nameko would declare its queues
with its own defaults, and a queue re-declared with other arguments fails.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from kombu import Connection
from nameko import config as nameko_config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.messaging import Consumer
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import BindAddress, WebServer
from opentelemetry import propagate, trace
from pydantic import ValidationError

from chassis import metrics, queues
from chassis.acks import OrderedAcks
from chassis.context import ACTOR_KEY, TRACEPARENT_KEY, actor_to_context
from chassis.db import AlreadyApplied
from chassis.runtime import runtime_of
from contracts.envelope import EventEnvelope, validate_event_binding
from contracts.errors import PlatformError

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-sp-attempts"
LAST_ERROR_HEADER = "x-sp-last-error"
DEAD_LETTERED_AT_HEADER = "x-sp-dead-lettered-at"


# -- RPC ----------------------------------------------------------------------------------


class _UnconfirmedPublisher(Publisher):
    use_confirms = False


class _ReplyResponder(Responder):
    """Replies go without publisher confirms: waiting for one per call costs a broker round
    trip inside every RPC, and a lost reply already has a remedy (the caller's timeout, and
    idempotency keys on commands)."""

    publisher_cls = _UnconfirmedPublisher


class PlatformRpcConsumer(RpcConsumer):
    def handle_result(self, message: Any, result: Any, exc_info: Any) -> Any:
        responder = _ReplyResponder(
            self.amqp_uri,
            get_rpc_exchange(),
            message,
            ssl=nameko_config.get(AMQP_SSL_CONFIG_KEY),
            login_method=nameko_config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        result, exc_info = responder.send_response(result, exc_info)
        self.consumer.ack_message(message)
        return result, exc_info

    def setup(self) -> None:
        super().setup()
        settings = runtime_of(self.container).settings
        self.queue = queues.rpc_queue(self.container.service_name, settings.queue_type)
        self.consumer.queues = [self.queue]


class PlatformRpc(Rpc):
    """An RPC entrypoint on the chassis-declared queue. Errors of the catalogue are expected
    answers (logged as warnings, spans not marked failed); anything else is a failure."""

    rpc_consumer = PlatformRpcConsumer()

    def __init__(self, expected_exceptions: Any = PlatformError, **kwargs: Any) -> None:
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)


rpc = PlatformRpc.decorator


# -- HTTP (metrics, health) ----------------------------------------------------------------


class PlatformWebServer(WebServer):
    @property
    def bind_addr(self) -> BindAddress:
        settings = runtime_of(self.container).settings
        return BindAddress(settings.http_host, settings.http_port)

    @property
    def port(self) -> int:
        """The bound port (useful when the settings asked for port 0)."""
        return int(self._sock.getsockname()[1])


class PlatformHttp(HttpRequestHandler):
    server = PlatformWebServer()


http = PlatformHttp.decorator


# -- events --------------------------------------------------------------------------------


class EventConsumer(Consumer):
    """Consumes events of the given types (or `*` patterns of them) from the service's own
    durable queue.

    The handler receives an `EventEnvelope`. If it raises, the event is retried after the
    configured back-off through the consumer's retry queue; once the retries are spent, it goes
    to the consumer's dead-letter queue (listed and replayed by operators). A handler that
    raises `AlreadyApplied` (see `DatabaseAccess.apply_once`) has its event acknowledged.
    """

    def __init__(self, *event_types: str, **kwargs: Any) -> None:
        if not event_types:
            raise ValueError("an event consumer needs at least one event type")
        self.event_types = tuple(validate_event_binding(t) for t in event_types)
        super().__init__(queue=None, requeue_on_error=False, **kwargs)

    @property
    def queue_name(self) -> str:
        return queues.consumer_queue_name(self.container.service_name, self.method_name)

    @property
    def consumer_name(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self) -> None:
        self.settings = runtime_of(self.container).settings
        service = self.container.service_name
        self.queue = queues.consumer_queue(
            service, self.method_name, self.event_types, self.settings.queue_type
        )
        self._declare_side_queues()
        self.consumer_options.setdefault("prefetch_count", self.settings.prefetch_count)
        self.publisher = Publisher(
            nameko_config[AMQP_URI_CONFIG_KEY], use_confirms=True, mandatory=True
        )
        super().setup()

    def _declare_side_queues(self) -> None:
        with Connection(nameko_config[AMQP_URI_CONFIG_KEY]) as connection:
            channel = connection.default_channel
            queues.EVENTS_EXCHANGE(channel).declare()
            for queue in (
                queues.retry_queue(self.queue_name, self.settings.queue_type),
                queues.dead_queue(self.queue_name, self.settings.queue_type),
            ):
                queue(channel).declare()

    def _parse(self, body: Any, message: Any) -> EventEnvelope | None:
        try:
            return EventEnvelope.model_validate(body)
        except ValidationError:
            # not an event of ours: the broker dead-letters it through the queue's arguments
            metrics.EVENTS_CONSUMED.labels(
                self.container.service_name, self.consumer_name, "malformed"
            ).inc()
            message.reject(requeue=False)
            return None

    def _spawn(
        self,
        args: tuple[Any, ...],
        context_data: dict[str, Any],
        handle_result: Any,
        on_killed: Any,
    ) -> None:
        def spawn_worker() -> None:
            from nameko.exceptions import ContainerBeingKilled

            try:
                self.container.spawn_worker(
                    self, args, {}, context_data=context_data, handle_result=handle_result
                )
            except ContainerBeingKilled:
                on_killed()

        self.container.spawn_managed_thread(
            spawn_worker, identifier=f"EventConsumer.wait_for_worker_pool[{self.consumer_name}]"
        )

    def handle_message(self, body: Any, message: Any) -> None:
        envelope = self._parse(body, message)
        if envelope is not None:
            self._run_one(envelope, body, message)

    def _run_one(
        self, envelope: EventEnvelope, body: Any, message: Any, *, batch: bool = False
    ) -> None:
        context_data: dict[str, Any] = {ACTOR_KEY: actor_to_context(envelope.actor)}
        if envelope.traceparent:
            context_data[TRACEPARENT_KEY] = envelope.traceparent

        def handle_result(worker_ctx: Any, result: Any = None, exc_info: Any = None) -> Any:
            return self._handle_result(message, body, result, exc_info)

        args = ([envelope],) if batch else (envelope,)
        self._spawn(args, context_data, handle_result, lambda: self._requeue(message))

    def _requeue(self, message: Any) -> None:
        self.consumer.requeue_message(message)

    def _handle_result(self, message: Any, body: Any, result: Any, exc_info: Any) -> Any:
        service = self.container.service_name
        if exc_info is None:
            self.consumer.ack_message(message)
            metrics.EVENTS_CONSUMED.labels(service, self.consumer_name, "applied").inc()
            return result, None
        exc = exc_info[1]
        if isinstance(exc, AlreadyApplied):
            self.consumer.ack_message(message)
            metrics.EVENTS_CONSUMED.labels(service, self.consumer_name, "duplicate").inc()
            return None, None
        failures = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        try:
            if failures <= self.settings.event_max_retries:
                self._send_to_retry(message, body, failures, type(exc).__name__)
                outcome = "retried"
            else:
                self._send_to_dead_letters(message, body, failures, type(exc).__name__)
                outcome = "dead_lettered"
                metrics.EVENTS_DEAD_LETTERED.labels(service, self.consumer_name).inc()
        except Exception:
            # could not park it anywhere safe: give it back to the broker rather than lose it
            log.exception("could not move a failed event; requeueing it")
            self.consumer.requeue_message(message)
            return result, exc_info
        self.consumer.ack_message(message)
        metrics.EVENTS_CONSUMED.labels(service, self.consumer_name, outcome).inc()
        return result, exc_info

    def _headers(self, message: Any, failures: int, error: str) -> dict[str, Any]:
        headers = dict(message.headers or {})
        headers[ATTEMPTS_HEADER] = failures
        headers[LAST_ERROR_HEADER] = error
        return headers

    def _send_to_retry(self, message: Any, body: Any, failures: int, error: str) -> None:
        delay_ms = int(self.settings.retry_delay_s(failures) * 1000)
        self.publisher.publish(
            body,
            exchange="",
            routing_key=queues.retry_queue_name(self.queue_name),
            headers=self._headers(message, failures, error),
            expiration=max(delay_ms, 1) / 1000,
            message_id=message.properties.get("message_id"),
        )

    def _send_to_dead_letters(self, message: Any, body: Any, failures: int, error: str) -> None:
        headers = self._headers(message, failures, error)
        headers[DEAD_LETTERED_AT_HEADER] = datetime.now(UTC).isoformat()
        self.publisher.publish(
            body,
            exchange=queues.DEAD_LETTER_EXCHANGE.name,
            routing_key=self.queue_name,
            headers=headers,
            message_id=message.properties.get("message_id"),
        )


on_event = EventConsumer.decorator


class BatchEventConsumer(EventConsumer):
    """Like `EventConsumer`, but the handler receives a list of envelopes: up to `batch_size`
    events, or whatever arrived within `max_wait_ms` of the first one.

    For hot paths where one transaction per event would cost more than the work (the audit
    ledger, sightings). `DatabaseAccess.apply_batch_once` records the whole batch in the inbox
    in one statement. If a batch fails, each of its events is tried again on its own, so one
    poison event goes through retries and the dead-letter queue without taking the others.
    """

    def __init__(
        self, *event_types: str, batch_size: int = 200, max_wait_ms: int = 50, **kwargs: Any
    ) -> None:
        if not 1 <= batch_size <= 5000 or not 1 <= max_wait_ms <= 10_000:
            raise ValueError("batch_size must be 1-5000 and max_wait_ms 1-10000")
        self.batch_size = batch_size
        self.max_wait_ms = max_wait_ms
        self._buffer: list[tuple[EventEnvelope, Any, Any]] = []
        self._generation = 0
        # deliveries are acknowledged in runs (one frame for many) per channel; a reconnection
        # brings a new channel whose tags start again
        self._channel: Any = None
        self._acks: OrderedAcks[Any] = OrderedAcks()
        self._acks_of: dict[int, OrderedAcks[Any]] = {}
        super().__init__(*event_types, **kwargs)

    def setup(self) -> None:
        super().setup()
        # the broker must let a whole batch in before the first is acknowledged
        self.consumer.prefetch_count = max(self.consumer.prefetch_count, 2 * self.batch_size)

    def handle_message(self, body: Any, message: Any) -> None:
        envelope = self._parse(body, message)
        if envelope is None:
            return
        if message.channel is not self._channel:
            self._channel, self._acks = message.channel, OrderedAcks()
        self._acks.received(message.delivery_tag, message)
        self._acks_of[id(message)] = self._acks
        self._buffer.append((envelope, body, message))
        if len(self._buffer) >= self.batch_size:
            self._flush()
        elif len(self._buffer) == 1:
            generation = self._generation

            def flush_later() -> None:
                time.sleep(self.max_wait_ms / 1000)
                if self._generation == generation:
                    self._flush()

            self.container.spawn_managed_thread(
                flush_later, identifier=f"BatchEventConsumer.flush[{self.consumer_name}]"
            )

    def _ack_finished(self, messages: list[Any]) -> None:
        """Mark these deliveries finished and acknowledge every run of finished ones that
        now leads its channel, with one `multiple` ack each."""
        trackers: dict[int, OrderedAcks[Any]] = {}
        for message in messages:
            tracker = self._acks_of.pop(id(message), None)
            if tracker is not None:
                tracker.finished([message.delivery_tag])
                trackers[id(tracker)] = tracker
        for tracker in trackers.values():
            self._ack_runs(tracker)

    def _settled_alone(self, message: Any) -> None:
        """A delivery acknowledged, rejected or requeued on its own: it no longer holds back
        the runs behind it."""
        tracker = self._acks_of.pop(id(message), None)
        if tracker is not None:
            tracker.forget(message.delivery_tag)
            self._ack_runs(tracker)

    def _ack_runs(self, tracker: OrderedAcks[Any]) -> None:
        last = tracker.take_ackable()
        # taken before the frame is written: another green thread may finish a batch meanwhile
        if last is not None and last.channel.connection:
            with contextlib.suppress(ConnectionError):  # the broker reclaims them anyway
                last.ack(multiple=True)

    def _handle_result(self, message: Any, body: Any, result: Any, exc_info: Any) -> Any:
        try:
            return super()._handle_result(message, body, result, exc_info)
        finally:
            self._settled_alone(message)

    def _requeue(self, message: Any) -> None:
        super()._requeue(message)
        self._settled_alone(message)

    def _flush(self) -> None:
        batch, self._buffer = self._buffer, []
        self._generation += 1
        if not batch:
            return

        traceparents = list(dict.fromkeys(e.traceparent for e, _, _ in batch if e.traceparent))
        started_ns = time.time_ns()

        def handle_result(worker_ctx: Any, result: Any = None, exc_info: Any = None) -> Any:
            service = self.container.service_name
            if exc_info is None:
                self._trace_others(traceparents[1:], len(batch), started_ns)
                self._ack_finished([message for _, _, message in batch])
                metrics.EVENTS_CONSUMED.labels(service, self.consumer_name, "applied").inc(
                    len(batch)
                )
                return result, None
            if len(batch) == 1:
                envelope, body, message = batch[0]
                return self._handle_result(message, body, result, exc_info)
            log.warning(
                "batch failed; trying its events one by one",
                extra={"consumer": self.consumer_name, "events": len(batch)},
            )
            for envelope, body, message in batch:
                self._run_one(envelope, body, message, batch=True)
            return None, None

        def requeue_all() -> None:
            for _, _, message in batch:
                self._requeue(message)

        # the worker's span continues the first event's trace; the other requests whose facts
        # the batch carried get a span of their own in their traces (`_trace_others`)
        context = {TRACEPARENT_KEY: traceparents[0]} if traceparents else {}
        self._spawn(([e for e, _, _ in batch],), context, handle_result, requeue_all)

    def _trace_others(self, traceparents: list[str], events: int, started_ns: int) -> None:
        tracer = trace.get_tracer("chassis.batch")
        ended_ns = time.time_ns()
        for traceparent in traceparents:
            span = tracer.start_span(
                f"{self.container.service_name}.{self.method_name}",
                context=propagate.extract({TRACEPARENT_KEY: traceparent}),
                kind=trace.SpanKind.CONSUMER,
                start_time=started_ns,
                attributes={
                    "service_name": self.container.service_name,
                    "method_name": self.method_name,
                    "sp.batch_events": events,
                },
            )
            span.end(end_time=ended_ns)


on_events = BatchEventConsumer.decorator

#: nameko's timer declares no queues; re-exported so services import entrypoints from one place
timer = Timer.decorator
