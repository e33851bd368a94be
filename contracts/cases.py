"""Cases, as the investigation pillar announces them (the vehicle dossier keeps the cases that
mention a vehicle from these events)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.values import Plate


class CaseStatus(StrEnum):
    OPEN = "open"
    ACTIVE = "active"
    SOLVED = "solved"
    CLOSED = "closed"
    COLD = "cold"


class CaseChanged(BaseModel):
    """Payload of `investigation.case.changed.v1`: a case's current status and the vehicles
    linked to it. `changed_at` orders the states; a consumer keeps the latest."""

    case_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    status: CaseStatus
    unit_path: str = Field(max_length=400)
    plates: list[Plate] = Field(max_length=1000)
    changed_at: datetime


CASE_CHANGED = "investigation.case.changed.v1"
