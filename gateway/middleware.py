"""ASGI middleware: request ids and the body-size limit (413 before the body is read)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.metrics import REGISTRY
from contracts.errors import ErrorCode, PlatformError
from gateway.problems import problem_response

HTTP_DURATION = Histogram(
    "sp_gateway_http_duration_seconds",
    "Gateway HTTP requests by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
REQUEST_ID_HEADER = b"x-request-id"
TRACE_ID_HEADER = b"x-trace-id"
_SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Accepts a well-formed X-Request-Id or makes one; echoes it on every response, with the
    request's trace id (X-Trace-Id), which auditors use to fetch the request's whole story."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = given.decode() if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
                span_context = trace.get_current_span().get_span_context()
                if span_context.is_valid:
                    trace_id = format(span_context.trace_id, "032x").encode()
                    headers.append((TRACE_ID_HEADER, trace_id))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class _TooLarge(BaseException):
    """Raised from `receive` past the limit; a BaseException so that body parsers, which turn
    any Exception into a 400, let it through to this middleware."""


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes`, by Content-Length or by counting a streamed body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send, request_id)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, request_id)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, request_id: Any) -> None:
        response = problem_response(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"request bodies are limited to {self.max_bytes} bytes",
            request_id,
        )
        await response(scope, receive, send)


class AuditGate:
    """Holds every response until the request's audit record is confirmed, and records the
    requests that never reached an operation.

    Reads publish their audit record while the service works (see `security.authorize`);
    here, before the first byte of the response leaves, that record must be confirmed, or the
    client gets 503 instead of the data. Commands await their record before they run. A request
    refused before any operation saw it (an unknown route, an oversized body) is recorded
    afterwards by `on_unaudited`, best effort: nothing was done for it.
    """

    def __init__(self, app: ASGIApp, on_unaudited: Callable[[Scope, int], Awaitable[None]]) -> None:
        self.app = app
        self.on_unaudited = on_unaudited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False
        status = 500

        async def gated_send(message: Message) -> None:
            nonlocal refused, status
            if message["type"] == "http.response.start":
                status = message["status"]
                pending = scope.get("state", {}).get("audit")
                if pending is not None:
                    try:
                        await pending
                    except PlatformError as error:
                        refused = True
                        response = problem_response(
                            error.code, error.detail, scope.get("state", {}).get("request_id")
                        )
                        await response(scope, receive, send)
                        return
            if refused:
                return  # the original response's body is dropped
            await send(message)

        try:
            await self.app(scope, receive, gated_send)
        finally:
            if not scope.get("state", {}).get("audited"):
                await self.on_unaudited(scope, status)


class DurationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_DURATION.labels(template, scope["method"], str(status)).observe(
                time.perf_counter() - started
            )
