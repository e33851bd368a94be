"""The base every service class extends: health, metrics, dead letters, outbox backlog.

A service subclass sets `name` and `settings_class` and adds its own entrypoints; these
operations come with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from kombu import Connection
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from werkzeug.wrappers import Response

from chassis import dead_letters, metrics, retention
from chassis.dependencies import (
    CurrentActor,
    Database,
    DeadlineGuard,
    Events,
    RpcMetrics,
    ServiceSettings,
)
from chassis.entrypoints import EventConsumer, http, rpc, timer
from chassis.outbox import backlog_counts
from chassis.runtime import Runtime, runtime_of
from chassis.settings import ChassisSettings
from chassis.tables import OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_UNROUTABLE, outbox
from chassis.validation import parse
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.errors import NotFound
from contracts.operations import (
    CheckStatus,
    DeadLetterList,
    HealthStatus,
    OutboxBacklog,
    ReplayRequest,
    ReplayResult,
)
from contracts.retention import RETENTION_OPERATION

BROKER_CHECK_TIMEOUT_S = 2.0


class Operations:
    """What the chassis operations need of the running container."""

    def __init__(self, runtime: Runtime, consumers: dict[str, str], relay: Any) -> None:
        self.runtime = runtime
        self.consumers = consumers  # consumer name -> work queue name
        self.relay = relay

    @property
    def settings(self) -> ChassisSettings:
        return self.runtime.settings

    def health(self) -> HealthStatus:
        checks = {"database": self._check_database(), "broker": self._check_broker()}
        checks["outbox_relay"] = CheckStatus.OK if self.relay else CheckStatus.DISABLED
        ready = all(c is not CheckStatus.FAILING for c in checks.values())
        return HealthStatus(service=self.settings.service_name, ready=ready, checks=checks)

    def _check_database(self) -> CheckStatus:
        try:
            with self.runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return CheckStatus.FAILING
        return CheckStatus.OK

    def _check_broker(self) -> CheckStatus:
        try:
            with Connection(self.settings.amqp_uri, connect_timeout=BROKER_CHECK_TIMEOUT_S) as c:
                c.connect()
        except Exception:
            return CheckStatus.FAILING
        return CheckStatus.OK

    def outbox_backlog(self) -> OutboxBacklog:
        with self.runtime.engine.connect() as conn:
            counts = backlog_counts(conn)
            oldest = conn.execute(
                select(func.min(outbox.c.created_at)).where(outbox.c.status != OUTBOX_SENT)
            ).scalar()
        return OutboxBacklog(
            service=self.settings.service_name,
            pending=counts.get(OUTBOX_PENDING, 0),
            unroutable=counts.get(OUTBOX_UNROUTABLE, 0),
            oldest_pending_at=oldest,
        )

    def queue_of(self, consumer: str) -> str:
        try:
            return self.consumers[consumer]
        except KeyError:
            raise NotFound(
                f"no consumer {consumer!r} in service {self.settings.service_name}"
            ) from None


class OperationsProvider(DependencyProvider):
    def setup(self) -> None:
        self.runtime = runtime_of(self.container)

    def get_dependency(self, worker_ctx: Any) -> Operations:
        consumers = {
            e.consumer_name: e.queue_name
            for e in self.container.entrypoints
            if isinstance(e, EventConsumer)
        }
        events = next((d for d in self.container.dependencies if isinstance(d, Events)), None)
        return Operations(self.runtime, consumers, events.relay if events else None)


class PlatformService:
    name: ClassVar[str]
    settings_class: ClassVar[type[ChassisSettings]]
    #: data classes whose rows expire (how long each is kept: `settings.retention_days`)
    retention_classes: ClassVar[tuple[retention.DataClass, ...]] = ()
    #: entrypoints whose work is not traced: probes and scrapes would drown the trace store
    untraced_entrypoints: ClassVar[tuple[str, ...]] = (
        "metrics_endpoint",
        "liveness",
        "readiness",
        "health",
    )

    settings = ServiceSettings()
    db = Database()
    events = Events()
    actor = CurrentActor()
    operations = OperationsProvider()
    rpc_metrics = RpcMetrics()
    deadline_guard = DeadlineGuard()

    @rpc
    def health(self) -> dict[str, Any]:
        return self.operations.health().model_dump(mode="json")

    @rpc
    def outbox_backlog(self) -> dict[str, Any]:
        return self.operations.outbox_backlog().model_dump(mode="json")

    @rpc
    def list_consumers(self) -> list[str]:
        return sorted(self.operations.consumers)

    @rpc
    def list_dead_letters(self, consumer: str, limit: int = 50) -> dict[str, Any]:
        ops = self.operations
        listing: DeadLetterList = dead_letters.list_dead_letters(
            ops.settings.amqp_uri,
            ops.settings.service_name,
            consumer,
            ops.queue_of(consumer),
            limit,
        )
        return listing.model_dump(mode="json")

    @rpc
    def replay_dead_letters(self, request: dict[str, Any]) -> dict[str, Any]:
        replay = parse(ReplayRequest, request)
        ops = self.operations
        replayed = dead_letters.replay_dead_letters(
            ops.settings.amqp_uri,
            ops.settings.service_name,
            replay.consumer,
            ops.queue_of(replay.consumer),
            event_ids=set(replay.event_ids) if replay.event_ids is not None else None,
            limit=replay.limit,
        )
        return ReplayResult(consumer=replay.consumer, replayed=replayed).model_dump(mode="json")

    @timer(interval=ChassisSettings().retention_interval_s)
    def apply_retention(self) -> None:
        self.apply_retention_now()

    @rpc
    def apply_retention_now(self) -> list[dict[str, Any]]:
        """Delete what has expired in each data class; one receipt per class to the ledger."""
        receipts = []
        now = datetime.now(UTC)
        for data_class in self.retention_classes:
            days = self.settings.retention_days.get(data_class.name)
            if days is None:
                continue
            with self.db.transaction() as session:
                receipt = retention.purge(
                    session.connection(),
                    self.name,
                    data_class,
                    retention.cutoff_for(now, days),
                    now,
                )
                if receipt.rows:
                    self.events.stage(
                        session,
                        audit_event_type(self.name),
                        AuditRecord(
                            operation=RETENTION_OPERATION,
                            outcome=Outcome.PERFORMED,
                            subject=f"data_class={data_class.name}",
                            details=receipt.model_dump(mode="json"),
                        ),
                    )
            receipts.append(receipt.model_dump(mode="json"))
        return receipts

    @http("GET", "/metrics")
    def metrics_endpoint(self, request: Any) -> Response:
        return Response(metrics.render(), mimetype=CONTENT_TYPE_LATEST)

    @http("GET", "/healthz")
    def liveness(self, request: Any) -> Response:
        return _json_response({"service": self.name, "alive": True}, 200)

    @http("GET", "/readyz")
    def readiness(self, request: Any) -> Response:
        health = self.operations.health()
        return _json_response(health.model_dump(mode="json"), 200 if health.ready else 503)


def _json_response(body: Any, status: int) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")
