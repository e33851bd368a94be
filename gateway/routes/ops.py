"""Operations: event consumers, dead letters and outbox backlog of each service."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.errors import NotFound, PlatformError
from contracts.operations import DeadLetterList, OutboxBacklog, ReplayRequest, ReplayResult
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.rpc import RemoteError
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/ops", tags=["operations"], dependencies=[Depends(authorize)])
OUTBOX_EXAMPLE = {
    "services": [
        {"service": "data", "pending": 0, "unroutable": 0, "oldest_pending_at": None},
        {"service": "warning", "unavailable": "ServiceUnavailable"},
    ]
}
ServiceName = Annotated[str, Path(pattern=r"^[a-z][a-z_]{1,31}$", examples=["data"])]


def _known(request: Request, service: str) -> str:
    if service not in platform_of(request).settings.known_services:
        raise NotFound(f"no service {service}")
    return service


@router.get(
    "/services/{service}/consumers",
    operation_id="ops.list_consumers",
    response_model=list[str],
    responses={200: example(["data.record_sighting"]), **errors(404)},
    summary="A service's event consumers",
)
async def list_consumers(request: Request, ctx: Authorized, service: ServiceName) -> Any:
    return await platform_of(request).rpc.call(
        _known(request, service), "list_consumers", context=ctx.rpc_context
    )


@router.get(
    "/services/{service}/dead-letters",
    operation_id="ops.list_dead_letters",
    response_model=DeadLetterList,
    responses=errors(404),
    summary="Events a consumer gave up on (listing leaves them in place)",
)
async def list_dead_letters(
    request: Request,
    ctx: Authorized,
    service: ServiceName,
    consumer: Annotated[
        str, Query(min_length=1, max_length=200, examples=["data.record_sighting"])
    ],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    return await platform_of(request).rpc.call(
        _known(request, service), "list_dead_letters", consumer, limit, context=ctx.rpc_context
    )


@router.post(
    "/services/{service}/dead-letters:replay",
    operation_id="ops.replay_dead_letters",
    response_model=ReplayResult,
    responses=errors(404),
    summary="Put dead-lettered events back in their consumer's queue",
)
async def replay_dead_letters(
    request: Request, ctx: Authorized, service: ServiceName, replay: ReplayRequest
) -> Any:
    return await platform_of(request).rpc.call(
        _known(request, service),
        "replay_dead_letters",
        replay.model_dump(mode="json"),
        context=ctx.rpc_context,
        timeout_s=30,
    )


@router.get(
    "/outbox",
    operation_id="ops.outbox_backlog",
    responses={200: example(OUTBOX_EXAMPLE), **errors()},
    summary="Outbox backlog of every service (unreachable services are listed as such)",
)
async def outbox_backlog(request: Request, ctx: Authorized) -> dict[str, Any]:
    platform = platform_of(request)

    async def one(service: str) -> dict[str, Any]:
        try:
            backlog = await platform.rpc.call(service, "outbox_backlog", context=ctx.rpc_context)
            return OutboxBacklog.model_validate(backlog).model_dump(mode="json")
        except (PlatformError, RemoteError) as exc:
            return {"service": service, "unavailable": type(exc).__name__}

    results = await asyncio.gather(*(one(s) for s in platform.settings.known_services))
    return {"services": results}
