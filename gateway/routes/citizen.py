"""智服惠民 citizen services: citizens' sign-in and profile, and notification delivery.

Citizens sign in with their phone number and a one-time code; their tokens come from the
citizen service and reach only the operations the matrix marks `citizens = true`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from contracts.citizens import CitizenProfile, CitizenTokenGrant, CodeGrant, CodeRequest, CodeSent
from contracts.errors import Unauthenticated
from contracts.notifications import Notification, SinkMessage
from contracts.values import MAX_PAGE_SIZE
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.rpc import RemoteError
from gateway.security import Authorized, authorize, record_refusal

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])


@router.post(
    "/auth/codes",
    operation_id="citizen.request_sign_in_code",
    status_code=202,
    response_model=CodeSent,
    responses=errors(),
    summary="Send a one-time sign-in code to a phone by SMS (the same answer whether or not the "
    "number has an account; 429 with Retry-After when asked too often)",
)
async def request_sign_in_code(request: Request, ctx: Authorized, body: CodeRequest) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "request_sign_in_code", body.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/auth/token",
    operation_id="citizen.sign_in",
    response_model=CitizenTokenGrant,
    responses=errors(),
    summary="Exchange the code for a citizen token (the account is made on first sign-in)",
)
async def sign_in(request: Request, ctx: Authorized, body: CodeGrant) -> Any:
    platform = platform_of(request)
    try:
        return await platform.rpc.call(
            "citizen", "sign_in", body.model_dump(mode="json"), context=ctx.rpc_context
        )
    except RemoteError as exc:
        if exc.exc_type == "Unauthenticated":
            await record_refusal(
                platform, request, ctx.operation, ctx.actor, Unauthenticated(exc.detail)
            )
        raise


@router.get(
    "/me",
    operation_id="citizen.my_profile",
    response_model=CitizenProfile,
    responses=errors(),
    summary="Your own account (citizens)",
)
async def my_profile(request: Request, ctx: Authorized) -> Any:
    return await platform_of(request).rpc.call("citizen", "my_profile", context=ctx.rpc_context)


@router.get(
    "/notifications/{notification_id}",
    operation_id="citizen.notification_status",
    response_model=Notification,
    responses=errors(404),
    summary="A notification's delivery state (recipient masked)",
)
async def notification_status(request: Request, ctx: Authorized, notification_id: uuid.UUID) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "notification_status", str(notification_id), context=ctx.rpc_context
    )


@router.get(
    "/dev/sink",
    operation_id="citizen.sink_messages",
    response_model=list[SinkMessage],
    responses=errors(404),
    summary="What the local notification sink received, newest first (development only: 404 "
    "where a real provider is configured)",
)
async def sink_messages(
    request: Request,
    ctx: Authorized,
    recipient: Annotated[str | None, Query(pattern=r"^(\+86)?[0-9]{5,20}$")] = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,48}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "sink_messages", recipient, category, limit, context=ctx.rpc_context
    )
