"""Performance statistics of units: what a bureau publishes for a period."""

from __future__ import annotations

import csv
import io
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class UnitFigures(BaseModel):
    unit_id: str
    unit_path: str
    incidents: int
    solved: int
    #: solved per incident reported in the period
    solve_rate: float | None
    response_median_s: float | None
    incidents_vs_previous_pct: float | None
    incidents_vs_last_year_pct: float | None
    solved_vs_previous_pct: float | None
    solved_vs_last_year_pct: float | None
    #: percentage points
    solve_rate_vs_previous_pts: float | None
    solve_rate_vs_last_year_pts: float | None


class Performance(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "month",
                    "first": "2026-10-01",
                    "end": "2026-11-01",
                    "unit": {
                        "unit_id": "futian",
                        "unit_path": "sz/futian",
                        "incidents": 1150,
                        "solved": 253,
                        "solve_rate": 0.22,
                        "response_median_s": 412.0,
                        "incidents_vs_previous_pct": -4.17,
                        "incidents_vs_last_year_pct": -4.1,
                        "solved_vs_previous_pct": -1.17,
                        "solved_vs_last_year_pct": 2.0,
                        "solve_rate_vs_previous_pts": 0.67,
                        "solve_rate_vs_last_year_pts": 0.65,
                    },
                    "children": [],
                }
            ]
        }
    )

    period: str
    first: date
    end: date
    #: the unit asked about, then each unit directly under it
    unit: UnitFigures
    children: list[UnitFigures]


def as_csv(report: Performance) -> str:
    """One row per unit (the unit asked about first), every figure a column."""
    columns = list(UnitFigures.model_fields)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "first", "end", *columns])
    for figures in (report.unit, *report.children):
        row: dict[str, Any] = figures.model_dump()
        values = ("" if row[c] is None else row[c] for c in columns)
        writer.writerow([report.period, report.first, report.end, *values])
    return out.getvalue()
