"""Traffic fines, as the citizen-services pillar announces them (the vehicle dossier keeps
them from these events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

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
