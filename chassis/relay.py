"""The outbox relay: publishes committed outbox rows with publisher confirms and `mandatory`.

A row is marked sent only after the broker confirmed it. If the connection fails before every
confirm of a round has arrived, the whole round is rolled back and published again: consumers
deduplicate by `event_id`, so a duplicate costs nothing while a lost event would. An event whose
type no queue is bound to comes back as unroutable (312 NO_ROUTE): it is kept and counted, and
offered again later, since a consumer deployed later may bind to it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import amqp
import amqp.exceptions
from kombu import Connection
from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import Connection as DbConnection

from chassis import metrics
from chassis.housekeeping import purge_expired
from chassis.outbox import backlog_counts
from chassis.queues import EVENTS_EXCHANGE
from chassis.settings import ChassisSettings
from chassis.tables import OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_UNROUTABLE, outbox

log = logging.getLogger(__name__)

BROKER_ERRORS: tuple[type[BaseException], ...] = (
    amqp.exceptions.AMQPError,
    ConnectionError,
    OSError,
    socket.timeout,
)
NACK_RETRY = timedelta(seconds=1)


class ConfirmTimeout(Exception):
    """Not every publish of a round was confirmed in time."""


RETRYABLE: tuple[type[BaseException], ...] = (*BROKER_ERRORS, ConfirmTimeout)


@dataclass
class _Pending:
    row_id: int
    event_id: str
    type: str
    acked: bool = False
    nacked: bool = False
    returned: bool = False


class OutboxRelay:
    def __init__(
        self,
        settings: ChassisSettings,
        engine: Engine,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self._sleep = sleep
        self._wakeup = threading.Event()
        self._stopping = False
        self._connection: Connection | None = None
        self._channel: Any = None
        self._in_flight: dict[int, _Pending] = {}
        self._by_message_id: dict[str, _Pending] = {}
        self._next_tag = 0
        self._next_gauge_update = 0.0
        self.connected = False

    @property
    def connection_name(self) -> str:
        return f"outbox-relay:{self.settings.service_name}"

    # -- lifecycle -------------------------------------------------------------------------

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    def run(self) -> None:
        """Relay until stopped; broker failures are retried with back-off, never raised."""
        failures = 0
        next_housekeeping = 0.0
        while not self._stopping:
            if time.monotonic() >= next_housekeeping:
                next_housekeeping = time.monotonic() + self.settings.housekeeping_interval_s
                self._housekeeping()
            try:
                handled = self.relay_once()
                failures = 0
            except RETRYABLE as exc:
                failures += 1
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self.settings.service_name).inc()
                log.warning(
                    "outbox relay round failed; will retry", extra={"error": type(exc).__name__}
                )
                self.disconnect()
                self._sleep(min(0.2 * 2**failures, 10.0))
                continue
            except Exception:
                failures += 1
                log.exception("outbox relay round failed")
                self._sleep(min(0.2 * 2**failures, 10.0))
                continue
            if handled < self.settings.outbox_batch_size:
                woken = self._wakeup.wait(self.settings.outbox_poll_interval_s)
                if woken and self.settings.outbox_coalesce_s and not self._stopping:
                    self._sleep(self.settings.outbox_coalesce_s)
                self._wakeup.clear()
        self.disconnect()

    # -- one round -------------------------------------------------------------------------

    def relay_once(self) -> int:
        """Publish one batch of due rows and record the broker's answers. Returns rows handled."""
        with self.engine.connect() as db:
            with db.begin():
                rows = self._claim_due_rows(db)
                if rows:
                    self._ensure_connected()
                    self._publish_batch(rows)
                    self._await_confirms(self.settings.outbox_confirm_timeout_s)
                    self._record_outcomes(db)
            if time.monotonic() >= self._next_gauge_update:
                self._next_gauge_update = (
                    time.monotonic() + self.settings.outbox_backlog_gauge_interval_s
                )
                self._update_backlog_gauge(db)
        return len(rows)

    def _housekeeping(self) -> None:
        try:
            with self.engine.begin() as db:
                purged = purge_expired(db, self.settings, datetime.now(UTC))
            log.info("expired bookkeeping rows deleted", extra=asdict(purged))
        except Exception:
            log.exception("housekeeping failed")

    def _claim_due_rows(self, db: DbConnection) -> Sequence[Any]:
        return db.execute(
            select(outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.envelope)
            .where(outbox.c.status != OUTBOX_SENT, outbox.c.next_attempt_at <= func.now())
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(self.settings.outbox_batch_size)
            .with_for_update(skip_locked=True)
        ).all()

    def _publish_batch(self, rows: Sequence[Any]) -> None:
        self._in_flight.clear()
        self._by_message_id.clear()
        channel = self._channel
        for row in rows:
            pending = _Pending(row.id, str(row.event_id), row.type)
            self._next_tag += 1
            self._in_flight[self._next_tag] = pending
            self._by_message_id[pending.event_id] = pending
            message = amqp.Message(
                bytes(row.envelope),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=pending.event_id,
                type=row.type,
            )
            channel.basic_publish(
                message,
                exchange=EVENTS_EXCHANGE.name,
                routing_key=row.type,
                mandatory=True,
            )

    def _await_confirms(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        assert self._connection is not None
        while not all(p.acked or p.nacked for p in self._in_flight.values()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConfirmTimeout(f"{len(self._in_flight)} publishes unconfirmed")
            try:
                self._connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue

    def _record_outcomes(self, db: DbConnection) -> None:
        service = self.settings.service_name
        sent = [p for p in self._in_flight.values() if p.acked and not p.returned]
        returned = [p for p in self._in_flight.values() if p.acked and p.returned]
        nacked = [p for p in self._in_flight.values() if p.nacked]
        if sent:
            db.execute(
                update(outbox)
                .where(outbox.c.id.in_([p.row_id for p in sent]))
                .values(status=OUTBOX_SENT, sent_at=func.now(), attempts=outbox.c.attempts + 1)
            )
            for p in sent:
                metrics.EVENTS_PUBLISHED.labels(service, p.type).inc()
        if returned:
            retry_after = timedelta(seconds=self.settings.outbox_unroutable_retry_s)
            db.execute(
                update(outbox)
                .where(outbox.c.id.in_([p.row_id for p in returned]))
                .values(
                    status=OUTBOX_UNROUTABLE,
                    attempts=outbox.c.attempts + 1,
                    next_attempt_at=func.now() + retry_after,
                )
            )
            for p in returned:
                metrics.EVENTS_UNROUTABLE.labels(service, p.type).inc()
                log.warning("event unroutable; kept for retry", extra={"event_type": p.type})
        if nacked:
            db.execute(
                update(outbox)
                .where(outbox.c.id.in_([p.row_id for p in nacked]))
                .values(attempts=outbox.c.attempts + 1, next_attempt_at=func.now() + NACK_RETRY)
            )
        self._in_flight.clear()
        self._by_message_id.clear()

    def _update_backlog_gauge(self, db: DbConnection) -> None:
        counts = backlog_counts(db)
        for status in (OUTBOX_PENDING, OUTBOX_UNROUTABLE):
            metrics.OUTBOX_BACKLOG.labels(self.settings.service_name, status).set(
                counts.get(status, 0)
            )

    # -- broker connection -----------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if self._connection is not None and self.connected:
            return
        self.disconnect()
        connection = Connection(
            self.settings.amqp_uri,
            heartbeat=0,
            transport_options={"client_properties": {"connection_name": self.connection_name}},
        )
        connection.connect()
        channel = connection.channel()
        channel.exchange_declare(
            EVENTS_EXCHANGE.name, EVENTS_EXCHANGE.type, durable=True, auto_delete=False
        )
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._connection, self._channel = connection, channel
        self._next_tag = 0
        self.connected = True

    def disconnect(self) -> None:
        self.connected = False
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:
                log.debug("relay connection release failed", exc_info=True)

    def _settle(self, delivery_tag: int, multiple: bool, *, ack: bool) -> None:
        tags = [t for t in self._in_flight if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            pending = self._in_flight.get(tag)
            if pending is not None:
                pending.acked, pending.nacked = ack, not ack

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, ack=True)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, ack=False)

    def _on_return(self, exc: Exception, exchange: str, routing_key: str, message: Any) -> None:
        message_id = message.properties.get("message_id")
        pending = self._by_message_id.get(message_id)
        if pending is not None:
            pending.returned = True
