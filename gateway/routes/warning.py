"""智慧预警 smart warning: hotlists and alerts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from contracts.values import MAX_PAGE_SIZE, Page
from contracts.warning import Alert, AlertStatus, HotlistEntry, HotlistEntryCreate
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/warning", tags=["warning"], dependencies=[Depends(authorize)])


@router.post(
    "/hotlist",
    operation_id="warning.add_hotlist_entry",
    status_code=201,
    response_model=HotlistEntry,
    responses=errors(),
    summary="Put a plate on the hotlist (personal data: needs X-Purpose; retried safely with "
    "Idempotency-Key)",
)
async def add_hotlist_entry(
    request: Request,
    ctx: Authorized,
    entry: HotlistEntryCreate,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "warning",
        "add_hotlist_entry",
        entry.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
        context=ctx.rpc_context,
    )


@router.get(
    "/alerts",
    operation_id="warning.list_alerts",
    response_model=Page[Alert],
    responses=errors(),
    summary="Alerts in your scope, newest first (personal data: needs X-Purpose)",
)
async def list_alerts(
    request: Request,
    ctx: Authorized,
    status: AlertStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "warning",
        "list_alerts",
        {"limit": limit, "cursor": cursor},
        str(status) if status else None,
        context=ctx.rpc_context,
    )
