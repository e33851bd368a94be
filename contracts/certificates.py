"""Certificates citizens ask for (无犯罪记录证明, 居住证明), picked up at a self-service hall,
each issued one with a number anyone can verify without learning who it belongs to."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.places import PLACE_ID_PATTERN


class CertificateType(StrEnum):
    NO_CRIMINAL_RECORD = "no_criminal_record"  # 无犯罪记录证明
    RESIDENCE = "residence"  # 居住证明


class CertificateStatus(StrEnum):
    REQUESTED = "requested"
    IN_REVIEW = "in_review"
    READY_FOR_PICKUP = "ready_for_pickup"
    REFUSED = "refused"
    COLLECTED = "collected"
    REVOKED = "revoked"


#: the longest certificate number a verifier reads (longer ones are simply invalid)
MAX_CERTIFICATE_NUMBER_CHARS = 64

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class PickupHall(BaseModel):
    """A self-service hall (自助服务厅) of the police cloud's places."""

    hall_id: str
    name: str
    address: str | None = None
    district: str


class PickupHalls(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "halls": [
                        {
                            "hall_id": "poi-futian-xiangmihu-hall-01",
                            "name": "香蜜湖街道24小时警务自助服务厅",
                            "address": "深圳市福田区香蜜湖街道农林路 8 号",
                            "district": "futian",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    halls: list[PickupHall]
    next_cursor: str | None = None


class CertificateRequestCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certificate_type": "no_criminal_record",
                    "purpose": "入职审查（教育行业）",
                    "hall_id": "poi-futian-xiangmihu-hall-01",
                }
            ]
        },
    )

    certificate_type: CertificateType
    #: what the certificate is for, as the citizen says it (printed on it)
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    hall_id: str = Field(pattern=PLACE_ID_PATTERN)


class CertificateTransition(BaseModel):
    status: CertificateStatus
    at: datetime
    #: `citizen`, or the officer who moved it
    by: str
    reason: str | None = None


class CertificateRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": "9f53c4c5-5d0c-4b1f-8f0e-2d1f7c1c2a10",
                    "citizen_id": "c-3f9a1c2b7d4e5f60",
                    "certificate_type": "no_criminal_record",
                    "certificate_name": "无犯罪记录证明",
                    "purpose": "入职审查（教育行业）",
                    "hall": {
                        "hall_id": "poi-futian-xiangmihu-hall-01",
                        "name": "香蜜湖街道24小时警务自助服务厅",
                        "address": "深圳市福田区香蜜湖街道农林路 8 号",
                        "district": "futian",
                    },
                    "status": "ready_for_pickup",
                    "reviewer": "li.wei",
                    "certificate_number": "SZ-NCR-2026-000123-K7QX2M4B",
                    "issued_on": "2026-11-30",
                    "requested_at": "2026-11-29T02:00:00Z",
                    "updated_at": "2026-11-30T03:00:00Z",
                    "history": [
                        {
                            "status": "requested",
                            "at": "2026-11-29T02:00:00Z",
                            "by": "citizen",
                            "reason": None,
                        },
                        {
                            "status": "in_review",
                            "at": "2026-11-30T01:00:00Z",
                            "by": "li.wei",
                            "reason": None,
                        },
                        {
                            "status": "ready_for_pickup",
                            "at": "2026-11-30T03:00:00Z",
                            "by": "li.wei",
                            "reason": None,
                        },
                    ],
                }
            ]
        }
    )

    request_id: uuid.UUID
    citizen_id: str
    certificate_type: CertificateType
    certificate_name: str
    purpose: str
    hall: PickupHall
    status: CertificateStatus
    reviewer: str | None
    #: once issued (ready for pick-up)
    certificate_number: str | None
    issued_on: date | None
    requested_at: datetime
    updated_at: datetime
    #: oldest first
    history: list[CertificateTransition]


class CertificateRequestSummary(BaseModel):
    request_id: uuid.UUID
    certificate_type: CertificateType
    status: CertificateStatus
    hall_id: str
    certificate_number: str | None
    requested_at: datetime
    updated_at: datetime


class CertificateRequests(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "next_cursor": None}]})

    items: list[CertificateRequestSummary]
    next_cursor: str | None = None


class CertificateDecisionKind(StrEnum):
    ISSUE = "issue"  # ready for pick-up, with its number
    REFUSE = "refuse"


class CertificateDecision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "refuse", "reason": "居住登记信息不符"}]},
    )

    decision: CertificateDecisionKind
    reason: Reason | None = None

    @model_validator(mode="after")
    def _reason_when_refusing(self) -> CertificateDecision:
        if self.decision is CertificateDecisionKind.REFUSE and self.reason is None:
            raise ValueError("a refusal needs a reason")
        return self


class CertificateRevocation(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "证明所依据的登记信息已更正"}]}
    )

    reason: Reason


class CertificateVerification(BaseModel):
    """What anyone may learn from a certificate number: whether it is genuine, its type, the
    day it was issued and whether it still stands. Nothing about whom it was issued to."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": "SZ-NCR-2026-000123-K7QX2M4B",
                    "valid": True,
                    "certificate_type": "no_criminal_record",
                    "issued_on": "2026-11-30",
                    "status": "valid",
                }
            ]
        }
    )

    number: str
    valid: bool
    certificate_type: CertificateType | None = None
    issued_on: date | None = None
    status: Literal["valid", "revoked"] | None = None


#: statuses an officer still has work on: the queue's default
OPEN_CERTIFICATE_STATUSES = (CertificateStatus.REQUESTED, CertificateStatus.IN_REVIEW)
