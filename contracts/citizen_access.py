"""Move my car (一键挪车), real-name verification and corrections: the citizen's side."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import GeoPoint, Plate


class MoveStatus(StrEnum):
    NOTIFIED = "notified"  # the owner was sent an SMS and called
    OWNER_UNREACHABLE = "owner_unreachable"  # no registered contact for the plate
    OWNER_RESPONDED = "owner_responded"
    RESOLVED = "resolved"  # the requester says the car has moved
    CANCELLED = "cancelled"


class OwnerResponse(StrEnum):
    ON_MY_WAY = "on_my_way"
    NOT_MY_CAR = "not_my_car"
    CANNOT_MOVE = "cannot_move"


class MoveRequestCreate(BaseModel):
    """A car blocking the requester. Nothing here reaches the owner but the plate and the place:
    a description with a phone number in it is refused (numbers are never relayed)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤B7A001",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "place": "福田区香蜜湖路 3 号地下车库 B2-117",
                    "photo_ref": "uploads/2026/11/29/abc123.jpg",
                }
            ]
        },
    )

    plate: Plate
    location: GeoPoint
    place: str = Field(min_length=2, max_length=100, description="where, in words")
    photo_ref: str | None = Field(default=None, pattern=r"^[A-Za-z0-9/_.-]{1,200}$")


class MoveRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "0b3c2a8e-9a51-4f0e-8d2c-6f1e7a9b4c21",
                    "plate": "粤B7A001",
                    "place": "福田区香蜜湖路 3 号地下车库 B2-117",
                    "status": "owner_responded",
                    "owner_response": "on_my_way",
                    "created_at": "2026-11-29T08:00:00Z",
                    "notified_at": "2026-11-29T08:00:00Z",
                    "responded_at": "2026-11-29T08:02:10Z",
                    "closed_at": None,
                }
            ]
        }
    )

    request_id: uuid.UUID
    plate: str
    place: str
    status: MoveStatus
    owner_response: OwnerResponse | None
    created_at: datetime
    notified_at: datetime | None
    responded_at: datetime | None
    closed_at: datetime | None


class OwnerReply(BaseModel):
    """The owner's answer, with the token from the SMS they were sent."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=120)
    response: OwnerResponse


class CorrectionRecord(StrEnum):
    PERSON = "person"
    VEHICLE = "vehicle"


class CorrectionField(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    PHONE = "phone"
    VEHICLE_TYPE = "vehicle_type"
    VEHICLE_COLOUR = "vehicle_colour"
    VEHICLE_OWNER = "vehicle_owner"


class CorrectionStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CorrectionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "record": "person",
                    "field": "address",
                    "requested_value": "深圳市南山区科技园 8 号",
                    "reason": "已于 2026 年 10 月搬家，附租赁合同。",
                }
            ]
        },
    )

    record: CorrectionRecord
    #: the vehicle's plate, for a vehicle record
    plate: Plate | None = None
    field: CorrectionField
    requested_value: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=5, max_length=1000)


class CorrectionDecision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "accepted", "reason": "租赁合同核实无误。"}]},
    )

    decision: CorrectionStatus = Field(description="accepted or rejected")
    reason: str = Field(min_length=5, max_length=1000)


class Correction(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "correction_id": "5d7e0c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                    "record": "person",
                    "plate": None,
                    "field": "address",
                    "requested_value": "深圳市南山区科技园 8 号",
                    "reason": "已于 2026 年 10 月搬家，附租赁合同。",
                    "status": "accepted",
                    "created_at": "2026-11-20T08:00:00Z",
                    "decided_at": "2026-11-21T10:30:00Z",
                    "decision_reason": "租赁合同核实无误。",
                }
            ]
        }
    )

    correction_id: uuid.UUID
    record: CorrectionRecord
    plate: str | None
    field: CorrectionField
    requested_value: str
    reason: str
    status: CorrectionStatus
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
