"""智服惠民 citizen services: traffic fines, payments and receipts, appeals.

Officers issue fines and decide appeals; citizens look up unpaid fines with a plate and the
last six characters of its VIN (or bind their vehicles), pay through the payment provider's
hosted page, read receipts and contest fines. The provider's signed notifications arrive on a
public route; with SandboxPay configured (sandbox: no money moves) its hosted page is served
here too, and 404 otherwise.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from contracts.errors import PayloadTooLarge, Unauthenticated
from contracts.fines import (
    Appeal,
    AppealDecisionRequest,
    AppealRequest,
    BoundVehicle,
    CallbackAck,
    Fine,
    FineIssue,
    FineStatus,
    Payment,
    Receipt,
    SandboxCheckout,
    SandboxCompletion,
    VehicleProof,
)
from contracts.values import MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.rpc import RemoteError
from gateway.security import Authorized, authorize, record_refusal

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])

#: a provider's notification is small; anything longer is not one
MAX_NOTIFICATION_BYTES = 16_384
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
OptionalIdempotencyKey = Annotated[
    str | None, Header(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")
]
ProviderPaymentId = Annotated[str, Path(pattern=r"^sp_[0-9a-f]{24}$")]
Cursor = Annotated[str | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call("citizen", method, *args, context=ctx.rpc_context)


# -- officers ----------------------------------------------------------------------------------


@router.post(
    "/fines",
    operation_id="citizen.issue_fine",
    status_code=201,
    response_model=Fine,
    responses=errors(404),
    summary="Issue a traffic fine for a registered vehicle (traffic officers; retried safely "
    "with Idempotency-Key; 404 when no vehicle has the plate)",
)
async def issue_fine(
    request: Request,
    ctx: Authorized,
    fine: FineIssue,
    idempotency_key: OptionalIdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "issue_fine",
        fine.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )


@router.get(
    "/fine-appeals",
    operation_id="citizen.list_open_fine_appeals",
    response_model=Page[Appeal],
    responses=errors(),
    summary="Appeals waiting for a decision on fines of your units, oldest first",
)
async def list_open_fine_appeals(
    request: Request, ctx: Authorized, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "list_open_fine_appeals", {"limit": limit, "cursor": cursor})


@router.post(
    "/fine-appeals/{appeal_id}/decision",
    operation_id="citizen.decide_fine_appeal",
    response_model=Appeal,
    responses=errors(404, 409),
    summary="Decide an appeal with reasons: `upheld` (the fine stands) or `cancelled` (the "
    "fine is cancelled); not on a fine you issued yourself (403); decided already: 409",
)
async def decide_fine_appeal(
    request: Request, ctx: Authorized, appeal_id: uuid.UUID, decision: AppealDecisionRequest
) -> Any:
    return await _call(
        request, ctx, "decide_fine_appeal", str(appeal_id), decision.model_dump(mode="json")
    )


# -- citizens: lookups and vehicles ------------------------------------------------------------


@router.post(
    "/fines/lookup",
    operation_id="citizen.lookup_unpaid_fines",
    response_model=list[Fine],
    responses=errors(404),
    summary="Unpaid fines of a plate, shown with the last six characters of its VIN (citizens; "
    "a wrong VIN and no fines are the same 404; 10 tries an hour, then 429)",
)
async def lookup_unpaid_fines(request: Request, ctx: Authorized, proof: VehicleProof) -> Any:
    return await _call(request, ctx, "lookup_unpaid_fines", proof.model_dump(mode="json"))


@router.get(
    "/fines/vehicles",
    operation_id="citizen.my_fines_vehicles",
    response_model=list[BoundVehicle],
    responses=errors(),
    summary="Your bound vehicles (citizens)",
)
async def my_fines_vehicles(request: Request, ctx: Authorized) -> Any:
    return await _call(request, ctx, "my_fines_vehicles")


@router.post(
    "/fines/vehicles",
    operation_id="citizen.bind_fines_vehicle",
    status_code=201,
    response_model=BoundVehicle,
    responses=errors(404, 409),
    summary="Bind your vehicle by its plate and the last six characters of its VIN (citizens; "
    "counts against the lookup limit; a wrong VIN is 404)",
)
async def bind_fines_vehicle(request: Request, ctx: Authorized, proof: VehicleProof) -> Any:
    return await _call(request, ctx, "bind_fines_vehicle", proof.model_dump(mode="json"))


@router.delete(
    "/fines/vehicles/{plate}",
    operation_id="citizen.unbind_fines_vehicle",
    status_code=204,
    responses=errors(404),
    summary="Unbind one of your vehicles (citizens)",
)
async def unbind_fines_vehicle(
    request: Request, ctx: Authorized, plate: Annotated[str, Path(max_length=32)]
) -> None:
    await _call(request, ctx, "unbind_fines_vehicle", plate)


@router.get(
    "/fines",
    operation_id="citizen.my_fines",
    response_model=Page[Fine],
    responses=errors(),
    summary="Fines of your bound (and recently looked-up) vehicles, newest first (citizens)",
)
async def my_fines(
    request: Request,
    ctx: Authorized,
    status: FineStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "my_fines",
        {"limit": limit, "cursor": cursor},
        str(status) if status else None,
    )


@router.get(
    "/fines/{fine_id}",
    operation_id="citizen.my_fine",
    response_model=Fine,
    responses=errors(404),
    summary="One of your fines (citizens; anyone else's is 404)",
)
async def my_fine(request: Request, ctx: Authorized, fine_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_fine", str(fine_id))


# -- citizens: payments and receipts -----------------------------------------------------------


@router.post(
    "/fines/{fine_id}/payments",
    operation_id="citizen.pay_fine",
    status_code=201,
    response_model=Payment,
    responses=errors(404, 409),
    summary="Start paying a fine: send the citizen to `redirect_url` (the provider's hosted "
    "page). Idempotency-Key is required: the same key, or another while a payment is pending, "
    "gives back the same payment and charges once; paid, cancelled or under appeal: 409",
)
async def pay_fine(
    request: Request, ctx: Authorized, fine_id: uuid.UUID, idempotency_key: IdempotencyKey
) -> Any:
    return await _call(request, ctx, "pay_fine", str(fine_id), idempotency_key)


@router.get(
    "/fine-payments/{payment_id}",
    operation_id="citizen.fine_payment",
    response_model=Payment,
    responses=errors(404),
    summary="One of your payments, e.g. when the provider sent you back (citizens)",
)
async def fine_payment(request: Request, ctx: Authorized, payment_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "fine_payment", str(payment_id))


@router.get(
    "/fines/{fine_id}/receipt",
    operation_id="citizen.fine_receipt",
    response_model=Receipt,
    responses=errors(404),
    summary="The receipt of a paid fine (citizens; 404 until it is paid)",
)
async def fine_receipt(request: Request, ctx: Authorized, fine_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "fine_receipt", str(fine_id))


@router.post(
    "/payment-callbacks/sandbox-pay",
    operation_id="citizen.sandbox_pay_notification",
    response_model=CallbackAck,
    responses=errors(404),
    summary="SandboxPay's signed payment notification (public: the provider calls it; HMAC-"
    "SHA256 of the raw body in X-SandboxPay-Signature; forged or unsigned: 401, nothing "
    "changes; a repeated notification changes nothing)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "example": {
                        "id": "evt_3f0c9a1b2c3d4e5f60718293",
                        "type": "payment.succeeded",
                        "created": "2026-10-03T08:03:00Z",
                        "data": {
                            "payment_id": "sp_3f0c9a1b2c3d4e5f60718293",
                            "reference": "5a1d0c8e-0f51-4a8c-8d3e-2b7c0c9f4e11",
                            "amount_fen": 20000,
                        },
                    },
                }
            },
        }
    },
)
async def sandbox_pay_notification(
    request: Request,
    ctx: Authorized,
    signature: Annotated[str | None, Header(alias="X-SandboxPay-Signature", max_length=200)] = None,
) -> Any:
    platform = platform_of(request)
    raw = await request.body()
    if len(raw) > MAX_NOTIFICATION_BYTES:
        raise PayloadTooLarge("a payment notification is not this long")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        refused = Unauthenticated("the notification is not SandboxPay's")
        await record_refusal(platform, request, ctx.operation, ctx.actor, refused)
        raise refused from None
    try:
        return await platform.rpc.call(
            "citizen",
            "payment_notification",
            "sandbox-pay",
            text,
            signature,
            context=ctx.rpc_context,
        )
    except RemoteError as exc:
        if exc.exc_type == "Unauthenticated":
            await record_refusal(
                platform, request, ctx.operation, ctx.actor, Unauthenticated(exc.detail)
            )
        raise


@router.get(
    "/sandbox-pay/{provider_payment_id}",
    operation_id="citizen.sandbox_pay_checkout",
    response_model=SandboxCheckout,
    responses=errors(404),
    summary="SandboxPay's hosted page for your payment (sandbox: no money moves; 404 where "
    "SandboxPay is not the provider)",
)
async def sandbox_pay_checkout(
    request: Request, ctx: Authorized, provider_payment_id: ProviderPaymentId
) -> Any:
    return await _call(request, ctx, "sandbox_pay_checkout", provider_payment_id)


@router.post(
    "/sandbox-pay/{provider_payment_id}:complete",
    operation_id="citizen.sandbox_pay_complete",
    response_model=Payment,
    responses=errors(404, 409),
    summary="Pay (or be declined) on SandboxPay's hosted page, as a customer would: SandboxPay "
    "then sends its signed notification (sandbox: no money moves; 404 where SandboxPay is not "
    "the provider)",
)
async def sandbox_pay_complete(
    request: Request,
    ctx: Authorized,
    provider_payment_id: ProviderPaymentId,
    completion: SandboxCompletion,
) -> Any:
    return await _call(
        request,
        ctx,
        "sandbox_pay_complete",
        provider_payment_id,
        completion.model_dump(mode="json"),
    )


# -- citizens: appeals -------------------------------------------------------------------------


@router.post(
    "/fines/{fine_id}/appeal",
    operation_id="citizen.appeal_fine",
    status_code=201,
    response_model=Appeal,
    responses=errors(404, 409),
    summary="Contest one of your fines with your reasons (citizens; paid, cancelled, already "
    "under appeal or being paid: 409)",
)
async def appeal_fine(
    request: Request, ctx: Authorized, fine_id: uuid.UUID, appeal: AppealRequest
) -> Any:
    return await _call(request, ctx, "appeal_fine", str(fine_id), appeal.model_dump(mode="json"))


@router.get(
    "/fines/{fine_id}/appeal",
    operation_id="citizen.my_fine_appeal",
    response_model=Appeal,
    responses=errors(404),
    summary="Your appeal against a fine: its status and, once decided, the reasoned decision "
    "(citizens)",
)
async def my_fine_appeal(request: Request, ctx: Authorized, fine_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_fine_appeal", str(fine_id))
