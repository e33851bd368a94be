"""nameko dependency providers: what a service method sees as `self.db`, `self.events`,
`self.actor`, plus the per-worker metrics hook."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chassis import metrics
from chassis.context import DEADLINE_KEY, acting, current_traceparent
from chassis.db import DatabaseAccess
from chassis.outbox import build_envelope, stage, wake_after_commit
from chassis.relay import OutboxRelay
from chassis.runtime import runtime_of
from contracts.actor import Actor
from contracts.envelope import EventEnvelope
from contracts.errors import PlatformError


class Database(DependencyProvider):
    """`self.db`: transactions on the service's own schema, and `apply_once` for consumers."""

    def setup(self) -> None:
        self.runtime = runtime_of(self.container)

    def stop(self) -> None:
        self.runtime.dispose()

    def get_dependency(self, worker_ctx: Any) -> DatabaseAccess:
        consumer = f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}"
        actor = acting(worker_ctx.context_data)
        return DatabaseAccess(self.runtime.sessions, consumer, f"{actor.kind}:{actor.id}")


class EventStager:
    """`self.events`: stage an event in the outbox inside the caller's transaction."""

    def __init__(self, producer: str, context_data: dict[str, Any]) -> None:
        self._producer = producer
        self._context_data = context_data

    def stage(
        self,
        session: Session,
        event_type: str,
        payload: BaseModel | dict[str, Any],
        *,
        links: Iterable[str] = (),
    ) -> EventEnvelope:
        envelope = build_envelope(
            event_type=event_type,
            payload=payload,
            producer=self._producer,
            actor=acting(self._context_data),
            traceparent=current_traceparent(),
            links=links,
        )
        stage(session, envelope)
        return envelope


class Events(DependencyProvider):
    """Owns the outbox relay of the service process and hands out `EventStager`s."""

    relay: OutboxRelay | None = None

    def setup(self) -> None:
        self.runtime = runtime_of(self.container)
        settings = self.runtime.settings
        if settings.outbox_relay_enabled:
            self.relay = OutboxRelay(settings, self.runtime.engine)
            wake_after_commit(self.runtime.sessions, self.relay.wake)

    def start(self) -> None:
        if self.relay is not None:
            self._thread = self.container.spawn_managed_thread(self.relay.run)

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            self._thread.wait()

    def kill(self) -> None:
        if self.relay is not None:
            self.relay.stop()

    def get_dependency(self, worker_ctx: Any) -> EventStager:
        return EventStager(worker_ctx.service_name, worker_ctx.context_data)


class ServiceSettings(DependencyProvider):
    """`self.settings`: the service's settings as this container runs with them."""

    def setup(self) -> None:
        self.runtime = runtime_of(self.container)

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.runtime.settings


class CurrentActor(DependencyProvider):
    """`self.actor`: who is acting in this worker (the platform itself when nobody is named)."""

    def get_dependency(self, worker_ctx: Any) -> Actor:
        return acting(worker_ctx.context_data)


class RequestExpired(Exception):
    """The caller's deadline passed before a worker was free: the call is dropped unrun."""


class DeadlineGuard(DependencyProvider):
    """Never run a call whose caller has given up.

    The broker drops a request whose expiration passed while it waited in the queue, but a
    request already prefetched into this process can still wait for a free worker. The caller
    sends its deadline (epoch milliseconds) as context `deadline_ms`; a worker that starts after it
    runs nothing and answers RequestExpired (which nobody is waiting for).
    """

    def worker_setup(self, worker_ctx: Any) -> None:
        deadline = worker_ctx.context_data.get(DEADLINE_KEY)
        if deadline is None or time.time() * 1000 <= int(deadline):
            return
        method_name = worker_ctx.entrypoint.method_name

        def expired(*args: Any, **kwargs: Any) -> None:
            raise RequestExpired(f"{worker_ctx.service_name}.{method_name}")

        # the container looks the method up on this worker's own service instance
        setattr(worker_ctx.service, method_name, expired)


class RpcMetrics(DependencyProvider):
    """Times every RPC worker into the latency histogram, labelled by method and outcome."""

    def setup(self) -> None:
        self._started: dict[Any, float] = {}

    def worker_setup(self, worker_ctx: Any) -> None:
        if isinstance(worker_ctx.entrypoint, Rpc):
            self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        outcome = "ok"
        if exc_info is not None:
            exc = exc_info[1]
            if isinstance(exc, PlatformError):
                outcome = str(exc.code)
            elif isinstance(exc, RequestExpired):
                outcome = "expired"
            else:
                outcome = "error"
        metrics.RPC_DURATION.labels(
            worker_ctx.service_name, worker_ctx.entrypoint.method_name, outcome
        ).observe(time.perf_counter() - started)
