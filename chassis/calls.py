"""Calling another service's RPC methods from inside a worker.

    class CitizenService(PlatformService):
        data = ServiceCalls("data")
        ...
        contact = self.data.call("vehicle_contact", plate, actor=acting_for_the_citizen)

The call carries the worker's context (actor, trace, deadline) unless another actor is named,
answers within `timeout_s` (or the caller's own deadline, if sooner) or raises `Timeout`, and an
error of the catalogue comes back as itself (a NotFound there is a NotFound here); anything else
is `ServiceUnavailable`. nameko's own client would wait forever for a service that is down.
"""

from __future__ import annotations

import time
from typing import Any

import eventlet
from nameko.exceptions import RemoteError
from nameko.rpc import Client, ServiceRpc

from chassis.context import ACTOR_KEY, DEADLINE_KEY, actor_to_context
from contracts.actor import Actor
from contracts.errors import ERRORS_BY_NAME, PlatformError, ServiceUnavailable, Timeout


def platform_error(exc: RemoteError) -> PlatformError:
    """The catalogue's error a remote service raised, or ServiceUnavailable."""
    error_class = ERRORS_BY_NAME.get(str(exc.exc_type))
    if error_class is None or error_class is PlatformError:
        return ServiceUnavailable("a service this one needs failed")
    return error_class(str(exc.value))


class RemoteService:
    def __init__(
        self,
        service: str,
        publish: Any,
        register_for_reply: Any,
        context_data: dict[str, Any],
        timeout_s: float,
    ) -> None:
        self._service = service
        self._publish = publish
        self._register_for_reply = register_for_reply
        self._context = context_data
        self._timeout_s = timeout_s

    def _remaining_s(self) -> float:
        deadline_ms = self._context.get(DEADLINE_KEY)
        if deadline_ms is None:
            return self._timeout_s
        return max(0.0, min(self._timeout_s, int(deadline_ms) / 1000 - time.time()))

    def call(self, method: str, *args: Any, actor: Actor | None = None, **kwargs: Any) -> Any:
        context = dict(self._context)
        if actor is not None:
            context[ACTOR_KEY] = actor_to_context(actor)
        client = Client(self._publish, self._register_for_reply, context)
        reply = getattr(getattr(client, self._service), method).call_async(*args, **kwargs)
        try:
            with eventlet.Timeout(self._remaining_s()):
                return reply.result()
        except eventlet.Timeout:
            raise Timeout(f"{self._service}.{method} did not answer in time") from None
        except RemoteError as exc:
            raise platform_error(exc) from None


class ServiceCalls(ServiceRpc):
    """A dependency: `self.<name>.call(method, *args, actor=None, **kwargs)`."""

    def __init__(self, target_service: str, timeout_s: float = 5.0) -> None:
        super().__init__(target_service)
        self.timeout_s = timeout_s

    def get_dependency(self, worker_ctx: Any) -> RemoteService:
        return RemoteService(
            self.target_service,
            self.publisher.publish,
            self.reply_listener.register_for_reply,
            worker_ctx.context_data,
            self.timeout_s,
        )
