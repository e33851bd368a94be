"""Oversight of officers' access to personal data: cases for the inspection unit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OversightRun(BaseModel):
    """Assess every officer's served personal-data reads in a window against their peers'."""

    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime


class OversightCase(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "7d1e…",
                    "officer_id": "o-1024",
                    "window_start": "2026-11-15T00:00:00Z",
                    "window_end": "2026-11-29T00:00:00Z",
                    "score": 31.5,
                    "signals": ["out_of_hours_bulk", "no_case_subjects"],
                    "flag": {"findings": [{"code": "out_of_hours_bulk", "figure": 74}]},
                    "status": "open",
                    "created_at": "2026-11-29T01:00:00Z",
                }
            ]
        }
    )

    case_id: uuid.UUID
    officer_id: str
    window_start: datetime
    window_end: datetime
    score: float
    signals: list[str]
    #: the findings, each with the officer's figure, the peers' baseline and the evidence
    flag: dict[str, Any]
    status: str
    created_at: datetime


class OversightCases(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"cases": [], "next_cursor": None}]})

    cases: list[OversightCase]
    next_cursor: str | None = None


class OversightRunResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reads": 18211, "officers": 212, "raised": 1}]}
    )

    reads: int = Field(description="served personal-data reads assessed")
    officers: int
    #: new oversight cases (an officer already raised for the same window is not raised again)
    raised: int
