"""Reports citizens file (the citizen-services pillar announces them; dispatch acts on them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from contracts.values import GeoPoint


class CitizenReportFiled(BaseModel):
    """Payload of `citizen.report.filed.v1`."""

    report_id: uuid.UUID
    category: str = Field(max_length=32)
    summary: str = Field(max_length=300)
    location: GeoPoint
    filed_at: datetime


CITIZEN_REPORT_FILED = "citizen.report.filed.v1"
