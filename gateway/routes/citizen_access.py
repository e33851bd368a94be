"""智服惠民 citizen services: move-my-car, identity verification, who looked at my data,
corrections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from contracts.citizen_access import (
    Correction,
    CorrectionCreate,
    CorrectionDecision,
    MoveRequest,
    MoveRequestCreate,
    OwnerReply,
)
from contracts.data_access import DataAccessReport
from contracts.values import MAX_PAGE_SIZE, Page
from contracts.vehicles import IdentityClaim
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])


async def _call(request: Request, ctx: Any, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call("citizen", method, *args, context=ctx.rpc_context)


# -- move my car -----------------------------------------------------------------------------


@router.post(
    "/move-my-car",
    operation_id="citizen.request_car_moved",
    status_code=201,
    response_model=MoveRequest,
    responses=errors(),
    summary="一键挪车: ask the owner of a car blocking you to move it (they get an SMS and a "
    "call; neither of you sees the other's number; a few requests an hour per requester and "
    "per plate, 429 with Retry-After beyond)",
)
async def request_car_moved(request: Request, ctx: Authorized, body: MoveRequestCreate) -> Any:
    return await _call(request, ctx, "request_car_moved", body.model_dump(mode="json"))


@router.get(
    "/move-my-car",
    operation_id="citizen.my_car_move_requests",
    response_model=Page[MoveRequest],
    responses=errors(),
    summary="Your move-my-car requests, newest first",
)
async def my_car_move_requests(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    return await _call(request, ctx, "my_car_move_requests", limit, cursor)


@router.get(
    "/move-my-car/{request_id}",
    operation_id="citizen.my_car_move_request",
    response_model=MoveRequest,
    responses=errors(404),
    summary="One of your move-my-car requests, with the owner's answer",
)
async def my_car_move_request(request: Request, ctx: Authorized, request_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_car_move_request", str(request_id))


@router.post(
    "/move-my-car/{request_id}/close",
    operation_id="citizen.close_car_move_request",
    response_model=MoveRequest,
    responses=errors(404, 409),
    summary="Close your request: the car moved (resolved) or you no longer need it",
)
async def close_car_move_request(
    request: Request,
    ctx: Authorized,
    request_id: uuid.UUID,
    outcome: Annotated[Literal["resolved", "cancelled"], Query()],
) -> Any:
    return await _call(request, ctx, "close_car_move_request", str(request_id), outcome)


@router.post(
    "/move-my-car/replies",
    operation_id="citizen.owner_reply",
    responses={**errors(404, 409), 200: example({"received": True})},
    summary="The car owner's answer, with the token from their SMS (no account needed)",
)
async def owner_reply(request: Request, ctx: Authorized, body: OwnerReply) -> Any:
    return await _call(request, ctx, "owner_reply", body.model_dump(mode="json"))


# -- identity and who looked at my data --------------------------------------------------------


@router.post(
    "/me/identity",
    operation_id="citizen.verify_my_identity",
    responses={**errors(404, 409), 200: example({"identity_verified": True, "name": "王**"})},
    summary="实名认证: link your account to your registered person (name and national id)",
)
async def verify_my_identity(request: Request, ctx: Authorized, body: IdentityClaim) -> Any:
    return await _call(request, ctx, "verify_my_identity", body.model_dump(mode="json"))


@router.get(
    "/me/data-access",
    operation_id="citizen.my_data_accesses",
    response_model=DataAccessReport,
    responses=errors(409),
    summary="Who looked at my data: which units read your records and for which declared "
    "purpose (the last year unless said); reads inside open investigations are counted, not "
    "shown, until the case closes or the maximum delay passes",
)
async def my_data_accesses(
    request: Request,
    ctx: Authorized,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=24, pattern=r"^[0-9]+$")] = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "my_data_accesses",
        since.isoformat() if since else None,
        until.isoformat() if until else None,
        limit,
        cursor,
    )


# -- corrections -------------------------------------------------------------------------------


@router.post(
    "/me/corrections",
    operation_id="citizen.ask_correction",
    status_code=201,
    response_model=Correction,
    responses=errors(409),
    summary="Ask for a correction of your personal or vehicle record (identity verified first)",
)
async def ask_correction(request: Request, ctx: Authorized, body: CorrectionCreate) -> Any:
    return await _call(request, ctx, "ask_correction", body.model_dump(mode="json"))


@router.get(
    "/me/corrections",
    operation_id="citizen.my_corrections",
    response_model=list[Correction],
    responses=errors(),
    summary="Your correction requests and their decisions, newest first",
)
async def my_corrections(
    request: Request, ctx: Authorized, limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50
) -> Any:
    return await _call(request, ctx, "my_corrections", limit)


@router.get(
    "/corrections",
    operation_id="citizen.open_corrections",
    response_model=list[Correction],
    responses=errors(),
    summary="The correction requests waiting for a decision, oldest first (officers)",
)
async def open_corrections(
    request: Request, ctx: Authorized, limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50
) -> Any:
    return await _call(request, ctx, "open_corrections", limit)


@router.post(
    "/corrections/{correction_id}/decision",
    operation_id="citizen.decide_correction",
    response_model=Correction,
    responses=errors(404, 409),
    summary="Accept or reject a correction request, with the reason (officers)",
)
async def decide_correction(
    request: Request, ctx: Authorized, correction_id: uuid.UUID, body: CorrectionDecision
) -> Any:
    return await _call(
        request, ctx, "decide_correction", str(correction_id), body.model_dump(mode="json")
    )
