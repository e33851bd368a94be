"""The one dependency every route runs: authenticate, rate-limit, authorise, declare purpose,
and record the request in the audit ledger (failing closed) before anything is forwarded."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.types import Scope

from chassis.context import actor_to_context, current_traceparent
from chassis.outbox import build_envelope
from contracts.actor import ANONYMOUS_ACTOR, Actor, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.errors import (
    Forbidden,
    PlatformError,
    PurposeRequired,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from gateway.auth import Principal, issuer_of
from gateway.authz import OperationRule
from gateway.broker import AuditUnavailable
from gateway.devices import device_credential
from gateway.platform import Platform, platform_of, verifier_for
from gateway.ratelimit import retry_after_header
from gateway.rpc import RemoteError

log = logging.getLogger(__name__)
PRODUCER = "gateway"
SAFE_METHODS = frozenset({"GET", "HEAD"})
REPRESENTED_TTL_S = 30.0
PURPOSE_HEADER = "x-purpose"
CASE_HEADER = "x-case-id"
ON_BEHALF_HEADER = "x-on-behalf-of"
#: public operations that guess at credentials: the stricter per-address limit
SIGN_IN_OPERATIONS = frozenset({"auth.token", "citizen.request_sign_in_code", "citizen.sign_in"})


@dataclass(frozen=True)
class RequestContext:
    operation: str
    actor: Actor
    principal: Principal | None
    request_id: str

    @property
    def rpc_context(self) -> dict[str, Any]:
        return {"actor": actor_to_context(self.actor)}


def operation_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "operation_id", None) or "")


def subject_of(request: Request) -> str | None:
    params = request.path_params
    return ",".join(f"{k}={v}" for k, v in sorted(params.items())) or None


async def record(
    platform: Platform,
    request: Request,
    operation: str,
    actor: Actor,
    outcome: Outcome,
    *,
    subject: str | None = None,
    http_status: int | None = None,
) -> None:
    """Publish the request's audit record; raises AuditUnavailable if the broker won't confirm."""
    envelope = build_envelope(
        event_type=audit_event_type(PRODUCER),
        payload=AuditRecord(
            operation=operation or "unknown",
            outcome=outcome,
            subject=subject,
            http_status=http_status,
            request_id=getattr(request.state, "request_id", None),
        ),
        producer=PRODUCER,
        actor=actor,
        traceparent=current_traceparent(),
    )
    await platform.events.publish(envelope)


async def record_refusal(
    platform: Platform,
    request: Request,
    operation: str,
    actor: Actor,
    error: PlatformError,
    subject: str | None = None,
) -> None:
    """Refused requests are recorded too, but nothing happened, so a failure here is logged."""
    outcome = {
        Unauthenticated: Outcome.UNAUTHENTICATED,
        Forbidden: Outcome.DENIED,
        PurposeRequired: Outcome.DENIED,
    }.get(type(error), Outcome.REJECTED)
    try:
        await record(
            platform,
            request,
            operation,
            actor,
            outcome,
            subject=subject or subject_of(request),
            http_status=error.http_status,
        )
    except AuditUnavailable:
        log.warning("refusal not recorded", extra={"operation": operation})


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("a bearer access token is required")
    return token.strip()


async def _represented(platform: Platform, officer_id: str) -> dict[str, Any]:
    """The officer a service account acts for, as management knows them (cached briefly)."""
    cached = platform.represented.get(officer_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        officer: dict[str, Any] = await platform.rpc.call(
            "management", "represented_officer", officer_id
        )
    except RemoteError as exc:
        if exc.exc_type == "NotFound":
            raise Forbidden("X-On-Behalf-Of names no active officer") from None
        raise
    platform.represented[officer_id] = (time.monotonic() + REPRESENTED_TTL_S, officer)
    return officer


async def _declared_actor(
    platform: Platform, request: Request, principal: Principal, rule: OperationRule
) -> Actor:
    raw_purpose = request.headers.get(PURPOSE_HEADER)
    case_id = request.headers.get(CASE_HEADER)
    on_behalf_of = request.headers.get(ON_BEHALF_HEADER)
    try:
        purpose = Purpose(raw_purpose) if raw_purpose else None
    except ValueError:
        raise ValidationFailed(
            "unknown purpose", errors=[{"field": "X-Purpose", "problem": "enum"}]
        ) from None
    if on_behalf_of and principal.kind is not ActorKind.SERVICE_ACCOUNT:
        raise Forbidden("only a service account acts on behalf of an officer")
    if rule.personal_data:
        if principal.kind is ActorKind.SERVICE_ACCOUNT and not on_behalf_of:
            raise Forbidden("a service account must name the officer it acts for (X-On-Behalf-Of)")
        if purpose is None:
            raise PurposeRequired("personal data is served only for a declared purpose (X-Purpose)")
    try:
        actor = principal.actor(purpose=purpose, case_id=case_id, on_behalf_of=on_behalf_of)
    except ValidationError as exc:
        if purpose is not None and not case_id:
            raise PurposeRequired(f"purpose {purpose} needs a case id (X-Case-Id)") from None
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors(include_input=False)]
        raise ValidationFailed(
            "invalid purpose headers",
            errors=[{"field": f or "headers", "problem": "invalid"} for f in fields],
        ) from None
    if on_behalf_of:
        # acting for an officer, the account sees what that officer sees, no more
        officer = await _represented(platform, on_behalf_of)
        actor = actor.model_copy(update={"unit": officer["unit"], "scope": officer["scope"]})
    return actor


def _limit(platform: Platform, key: str, *, login: bool) -> None:
    limiter = platform.login_limiter if login else platform.limiter
    wait = limiter.acquire(key)
    if wait:
        raise RateLimited("rate limit exceeded", retry_after=retry_after_header(wait))


async def record_unaudited(scope: Scope, status: int) -> None:
    """A request refused before any operation saw it (unknown route, oversized body)."""
    request = Request(scope)
    route = scope.get("route")
    operation = str(getattr(route, "operation_id", None) or "unrouted")
    try:
        await record(
            platform_of(request),
            request,
            operation,
            ANONYMOUS_ACTOR,
            Outcome.REJECTED,
            subject=f"path={request.url.path}"[:500],
            http_status=status,
        )
    except AuditUnavailable:
        log.warning("refusal not recorded", extra={"operation": operation})


async def authenticated(platform: Platform, request: Request) -> Principal:
    """Who the request says it is, verified: a bearer token (officers, service accounts,
    citizens) or a device's credential."""
    credential = device_credential(request.headers.get("authorization", ""))
    if credential is None:
        token = _bearer(request)
        return await verifier_for(platform, issuer_of(token)).verify(token)
    devices = platform.device_credentials
    if devices is None:
        raise Unauthenticated("devices are not accepted here")
    if devices.remembered(credential) is None:
        # an unknown credential costs the prevention service an argon2 check: few per address
        client = request.client.host if request.client else "unknown"
        _limit(platform, f"address:{client}", login=True)
    return await devices.verify(credential)


def _refusal(principal: Principal, rule: OperationRule) -> str:
    if principal.kind is ActorKind.CITIZEN:
        return "a citizen's token does not reach officers' operations"
    if principal.kind is ActorKind.DEVICE:
        return f"a device may not call {rule.operation}"
    if rule.citizens:
        return f"{rule.operation} is a citizen's own operation"
    return f"your roles do not allow {rule.operation}"


async def authorize(request: Request) -> RequestContext:
    request.state.audited = True  # every path below records the request
    platform = platform_of(request)
    operation = operation_of(request)
    request_id = str(getattr(request.state, "request_id", ""))
    rule = platform.matrix.rule(operation)
    actor = ANONYMOUS_ACTOR
    try:
        if rule is None:
            raise Forbidden("this operation is not in the authorisation matrix")
        if rule.public:
            client = request.client.host if request.client else "unknown"
            _limit(platform, f"address:{client}", login=operation in SIGN_IN_OPERATIONS)
            await record(platform, request, operation, actor, Outcome.ALLOWED)
            return RequestContext(operation, actor, None, request_id)
        principal = await authenticated(platform, request)
        actor = principal.actor()
        _limit(platform, f"{principal.kind}:{principal.id}", login=False)
        if not platform.matrix.allows(principal, rule):
            raise Forbidden(_refusal(principal, rule))
        actor = await _declared_actor(platform, request, principal, rule)
    except AuditUnavailable:
        raise
    except PlatformError as error:
        await record_refusal(platform, request, operation, actor, error)
        raise
    audit = record(
        platform, request, operation, actor, Outcome.ALLOWED, subject=subject_of(request)
    )
    if request.method in SAFE_METHODS:
        # a read discloses nothing until its response leaves: the audit gate holds the response
        # until the record is confirmed (503 if it is not), while the service already works
        request.state.audit = asyncio.ensure_future(audit)
    else:
        await audit  # a command must not run unrecorded
    return RequestContext(operation, actor, principal, request_id)


Authorized = Annotated[RequestContext, Depends(authorize)]
