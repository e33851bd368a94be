"""Test-only gateway routes (registered by the test suite, never by production code)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from gateway.authz import OperationRule
from gateway.platform import Platform, platform_of
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/test", tags=["test"], dependencies=[Depends(authorize)])

RULES = (
    OperationRule("test.slow_command", pillar="platform", roles=frozenset({"*"})),
    OperationRule("test.hop", pillar="platform", roles=frozenset({"*"})),
)


def add_rules(platform: Platform) -> None:
    for rule in RULES:
        platform.matrix.add(rule)


@router.post("/commands/{command_id}", operation_id="test.slow_command")
async def slow_command(
    request: Request,
    ctx: Authorized,
    command_id: Annotated[str, Path(max_length=64)],
    seconds: Annotated[float, Query(ge=0, le=10)],
    timeout_s: Annotated[float, Query(gt=0, le=10)],
) -> Any:
    return await platform_of(request).rpc.call(
        "slowpoke", "run_command", command_id, seconds, context=ctx.rpc_context, timeout_s=timeout_s
    )


@router.get("/hop", operation_id="test.hop")
async def hop(request: Request, ctx: Authorized) -> Any:
    return await platform_of(request).rpc.call("slowpoke", "hop", context=ctx.rpc_context)
