"""The audit ledger and the end-to-end story of a request, for auditors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.actor import Purpose
from contracts.audit import LedgerPage, LedgerQuery, TraceStory, VerifyReport
from contracts.errors import ValidationFailed
from contracts.ledger_proofs import (
    ConsistencyProof,
    ConsistencyQuery,
    InclusionProof,
    LedgerKeys,
    ProofQuery,
    TreeHeads,
)
from contracts.values import MAX_PAGE_SIZE
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(authorize)])
TraceId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", examples=["4bf92f3577b34da6a3ce929d0e0e4736"])
]


@router.get(
    "/records",
    operation_id="audit.list_records",
    response_model=LedgerPage,
    responses=errors(),
    summary="Ledger entries, filtered; oldest first, paged by cursor",
)
async def list_records(
    request: Request,
    ctx: Authorized,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=500)] = None,
    purpose: Purpose | None = None,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    trace_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> Any:
    if since and until and since >= until:
        raise ValidationFailed("`since` must be before `until`")
    query = LedgerQuery(
        actor=actor,
        subject=subject,
        purpose=purpose,
        case_id=case_id,
        trace_id=trace_id,
        since=since,
        until=until,
        limit=limit,
        after_index=int(cursor) if cursor else None,
    )
    return await platform_of(request).rpc.call(
        "management", "query_ledger", query.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/verify",
    operation_id="audit.verify",
    response_model=VerifyReport,
    responses=errors(),
    summary="Recompute the ledger's Merkle tree; report the first broken entry, if any",
)
async def verify(request: Request, ctx: Authorized) -> Any:
    return await platform_of(request).rpc.call(
        "management", "verify_ledger", context=ctx.rpc_context, timeout_s=60
    )


@router.get(
    "/traces/{trace_id}",
    operation_id="audit.get_trace",
    response_model=TraceStory,
    responses=errors(),
    summary="Every span and audit entry of one request, in order",
)
async def get_trace(request: Request, ctx: Authorized, trace_id: TraceId) -> Any:
    return await platform_of(request).rpc.call(
        "management", "trace_story", trace_id, context=ctx.rpc_context
    )


@router.get(
    "/tree-heads",
    operation_id="audit.list_tree_heads",
    response_model=TreeHeads,
    responses=errors(),
    summary="Signed tree heads of the ledger, newest first (copies also go to the witness)",
)
async def list_tree_heads(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "ledger_tree_heads",
        int(cursor) if cursor else None,
        limit,
        context=ctx.rpc_context,
    )


@router.get(
    "/ledger-keys",
    operation_id="audit.ledger_keys",
    response_model=LedgerKeys,
    responses=errors(),
    summary="The public keys that sign tree heads (JWK), for checking proofs offline",
)
async def ledger_keys(request: Request, ctx: Authorized) -> Any:
    return await platform_of(request).rpc.call("management", "ledger_keys", context=ctx.rpc_context)


@router.get(
    "/proofs/inclusion",
    operation_id="audit.inclusion_proof",
    response_model=InclusionProof,
    responses=errors(404),
    summary="Proof that ledger entry `leaf_index` is in the signed tree of size `tree_size`",
)
async def inclusion_proof(
    request: Request,
    ctx: Authorized,
    leaf_index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> Any:
    query = ProofQuery(leaf_index=leaf_index, tree_size=tree_size)
    return await platform_of(request).rpc.call(
        "management",
        "ledger_inclusion_proof",
        query.model_dump(),
        context=ctx.rpc_context,
        timeout_s=60,
    )


@router.get(
    "/proofs/consistency",
    operation_id="audit.consistency_proof",
    response_model=ConsistencyProof,
    responses=errors(404),
    summary="Proof that the signed tree of size `second` only appended to the one of size `first`",
)
async def consistency_proof(
    request: Request,
    ctx: Authorized,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> Any:
    query = ConsistencyQuery(first=first, second=second)
    return await platform_of(request).rpc.call(
        "management",
        "ledger_consistency_proof",
        query.model_dump(),
        context=ctx.rpc_context,
        timeout_s=60,
    )
