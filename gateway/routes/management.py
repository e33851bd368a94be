"""Identity administration and the officer directory (internal management pillar)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.identity import Officer, OfficerCreate, ServiceAccountCreate, Unit, UnitCreate
from contracts.values import MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/management", tags=["management"], dependencies=[Depends(authorize)]
)
OfficerId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", examples=["o-1024"])]


@router.post(
    "/units",
    operation_id="management.create_unit",
    status_code=201,
    response_model=Unit,
    responses=errors(404, 409),
    summary="Create a unit",
)
async def create_unit(request: Request, ctx: Authorized, unit: UnitCreate) -> Any:
    return await platform_of(request).rpc.call(
        "management", "create_unit", unit.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/officers",
    operation_id="management.create_officer",
    status_code=201,
    response_model=Officer,
    responses=errors(404, 409),
    summary="Create an officer",
)
async def create_officer(request: Request, ctx: Authorized, officer: OfficerCreate) -> Any:
    return await platform_of(request).rpc.call(
        "management", "create_officer", officer.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/service-accounts",
    operation_id="management.create_service_account",
    status_code=201,
    responses={
        201: example({"client_id": "traffic-system", "pillar": "warning", "roles": ["officer"]}),
        **errors(409),
    },
    summary="Create a service account for a department's own system",
)
async def create_service_account(
    request: Request, ctx: Authorized, account: ServiceAccountCreate
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "create_service_account",
        account.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/signing-keys:rotate",
    operation_id="management.rotate_signing_key",
    responses={200: example({"kid": "mZ3q1c0Yk2Vd8wQe"}), **errors()},
    summary="Rotate the key that signs access tokens",
)
async def rotate_signing_key(request: Request, ctx: Authorized) -> Any:
    platform = platform_of(request)
    result = await platform.rpc.call("management", "rotate_signing_key", context=ctx.rpc_context)
    await platform.verifier.refresh_keys()
    return result


@router.get(
    "/officers",
    operation_id="management.list_officers",
    response_model=Page[Officer],
    responses=errors(),
    summary="Officers within your scope (personal data: needs X-Purpose)",
)
async def list_officers(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "management", "list_officers", {"limit": limit, "cursor": cursor}, context=ctx.rpc_context
    )


@router.get(
    "/officers/{officer_id}",
    operation_id="management.get_officer",
    response_model=Officer,
    responses=errors(404),
    summary="One officer's record (personal data: needs X-Purpose)",
)
async def get_officer(request: Request, ctx: Authorized, officer_id: OfficerId) -> Any:
    return await platform_of(request).rpc.call(
        "management", "get_officer", officer_id, context=ctx.rpc_context
    )
