"""Traffic fines, their payments, receipts and appeals.

`FineChanged` is what the citizen-services pillar announces (the vehicle dossier keeps fines
from these events); the other models are the citizen service's RPC and gateway contracts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from contracts.values import Plate


class FineStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"


class FineChanged(BaseModel):
    """Payload of `citizen.fine.changed.v1`: a fine's whole current state. `changed_at` orders
    the states: a consumer keeps the latest and ignores an older one that arrives late."""

    fine_id: uuid.UUID
    plate: Plate
    violation: str = Field(max_length=200)
    #: in fen (分): money is never a float
    amount_fen: int = Field(ge=0)
    issued_at: datetime
    status: FineStatus
    changed_at: datetime


FINE_CHANGED = "citizen.fine.changed.v1"

#: the largest fine one ticket may carry: ¥20,000 (in fen)
MAX_FINE_FEN = 2_000_000
MAX_APPEAL_REASON = 1000


def _folded(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


#: the last six characters of a vehicle's VIN (I, O and Q never occur in a VIN)
VinTail = Annotated[
    str, BeforeValidator(_folded), StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{6}$")
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_APPEAL_REASON)
]


# -- fines -----------------------------------------------------------------------------------


class FineIssue(BaseModel):
    """A fine as a traffic officer issues it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤B12345",
                    "violation": "机动车违反禁止停车标线指示",
                    "violation_code": "10390",
                    "amount_fen": 20000,
                    "place": "深圳市福田区深南大道 6008 号",
                    "occurred_at": "2026-10-02T09:30:00+08:00",
                }
            ]
        },
    )

    plate: Plate
    violation: str = Field(min_length=1, max_length=200)
    violation_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{4,8}$")
    #: in fen (分)
    amount_fen: int = Field(ge=1, le=MAX_FINE_FEN)
    place: str = Field(min_length=1, max_length=200)
    occurred_at: AwareDatetime


class AppealStatus(StrEnum):
    SUBMITTED = "submitted"
    DECIDED = "decided"


class AppealDecision(StrEnum):
    #: the fine stands
    UPHELD = "upheld"
    #: the fine is cancelled
    CANCELLED = "cancelled"


class Fine(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "fine_id": "0b6f2f1c-3f7e-4a55-9d0e-6a3f1c2b9e10",
                    "plate": "粤B12345",
                    "violation": "机动车违反禁止停车标线指示",
                    "violation_code": "10390",
                    "amount_fen": 20000,
                    "place": "深圳市福田区深南大道 6008 号",
                    "occurred_at": "2026-10-02T01:30:00Z",
                    "issued_at": "2026-10-02T01:45:00Z",
                    "status": "unpaid",
                    "paid_at": None,
                    "cancelled_at": None,
                    "appeal_status": None,
                }
            ]
        }
    )

    fine_id: uuid.UUID
    plate: str
    violation: str
    violation_code: str | None
    amount_fen: int
    place: str
    occurred_at: datetime
    issued_at: datetime
    status: FineStatus
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    #: the latest appeal's status, if the fine was ever contested
    appeal_status: AppealStatus | None = None


class VehicleProof(BaseModel):
    """A plate with the last six characters of its VIN: shows the citizen holds the vehicle's
    papers. The VIN is never stored, only a keyed digest of these six characters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"plate": "粤B12345", "vin_tail": "000001"}]},
    )

    plate: Plate
    vin_tail: VinTail


class BoundVehicle(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"plate": "粤B12345", "bound_at": "2026-10-03T08:00:00Z"}]}
    )

    plate: str
    bound_at: datetime


# -- payments --------------------------------------------------------------------------------


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: nobody paid on the provider's page in time; a new payment may be started
    EXPIRED = "expired"
    #: the provider took money for a fine that was already paid: owed back to the citizen
    REFUND_DUE = "refund_due"


class Payment(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "payment_id": "5a1d0c8e-0f51-4a8c-8d3e-2b7c0c9f4e11",
                    "fine_id": "0b6f2f1c-3f7e-4a55-9d0e-6a3f1c2b9e10",
                    "amount_fen": 20000,
                    "status": "pending",
                    "provider": "sandbox-pay",
                    "redirect_url": "http://127.0.0.1:8000/api/v1/citizen/sandbox-pay/sp_3f…",
                    "return_url": "http://127.0.0.1:8000/citizen/payments/return?payment_id=5a1d…",
                    "created_at": "2026-10-03T08:00:00Z",
                    "expires_at": "2026-10-03T08:15:00Z",
                    "completed_at": None,
                }
            ]
        }
    )

    payment_id: uuid.UUID
    fine_id: uuid.UUID
    amount_fen: int
    status: PaymentStatus
    provider: str
    #: the provider's hosted payment page: send the citizen there
    redirect_url: str
    #: where the provider sends the citizen back when they are done
    return_url: str
    created_at: datetime
    #: after this the hosted page no longer takes the payment
    expires_at: datetime
    completed_at: datetime | None = None


class Receipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "receipt_no": "FR20261003A1B2C3D4E5",
                    "fine_id": "0b6f2f1c-3f7e-4a55-9d0e-6a3f1c2b9e10",
                    "payment_id": "5a1d0c8e-0f51-4a8c-8d3e-2b7c0c9f4e11",
                    "plate": "粤B12345",
                    "violation": "机动车违反禁止停车标线指示",
                    "amount_fen": 20000,
                    "paid_at": "2026-10-03T08:03:00Z",
                }
            ]
        }
    )

    receipt_no: str
    fine_id: uuid.UUID
    payment_id: uuid.UUID
    plate: str
    violation: str
    amount_fen: int
    paid_at: datetime


class CallbackAck(BaseModel):
    """The answer to a provider's notification."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"event_id": "evt_3f0c…", "applied": True, "payment_status": "succeeded"}]
        }
    )

    event_id: str
    #: false when this notification was applied before (a provider's retry changes nothing)
    applied: bool
    payment_status: PaymentStatus | None = None


class SandboxCompletion(BaseModel):
    """What the customer does on SandboxPay's hosted page."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "paid"}]})

    outcome: Literal["paid", "declined"] = "paid"


class SandboxCheckout(BaseModel):
    """SandboxPay's hosted page (sandbox: no money moves)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notice": "sandbox: no money moves",
                    "provider_payment_id": "sp_3f0c9a1b2c3d4e5f60718293",
                    "reference": "5a1d0c8e-0f51-4a8c-8d3e-2b7c0c9f4e11",
                    "amount_fen": 20000,
                    "status": "created",
                    "return_url": "http://127.0.0.1:8000/citizen/payments/return?payment_id=5a1d…",
                    "expires_at": "2026-10-03T08:15:00Z",
                }
            ]
        }
    )

    notice: str = "sandbox: no money moves"
    provider_payment_id: str
    reference: str
    amount_fen: int
    status: str
    return_url: str
    expires_at: datetime


# -- appeals ---------------------------------------------------------------------------------


class AppealRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "当时车辆正在上下客，并未停放。"}]},
    )

    reason: Reason


class AppealDecisionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "cancelled", "reason": "视频显示车辆在临时停靠区上下客。"}]
        },
    )

    decision: AppealDecision
    reason: Reason


class Appeal(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appeal_id": "7c2e9d4a-1b3f-4e5a-8c6d-9f0a1b2c3d4e",
                    "fine_id": "0b6f2f1c-3f7e-4a55-9d0e-6a3f1c2b9e10",
                    "plate": "粤B12345",
                    "status": "decided",
                    "reason": "当时车辆正在上下客，并未停放。",
                    "submitted_at": "2026-10-03T08:00:00Z",
                    "decision": "cancelled",
                    "decision_reason": "视频显示车辆在临时停靠区上下客。",
                    "decided_at": "2026-10-04T02:00:00Z",
                    "decided_by": None,
                }
            ]
        }
    )

    appeal_id: uuid.UUID
    fine_id: uuid.UUID
    plate: str
    status: AppealStatus
    reason: str
    submitted_at: datetime
    decision: AppealDecision | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    #: the deciding officer (shown to officers only)
    decided_by: str | None = None
