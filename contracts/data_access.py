""" "Who looked at my data": a citizen's report of reads of their personal records, from the
audit ledger, with what policy hides or withholds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import MAX_PAGE_SIZE

#: the most entries one report considers in its window (it says so when there were more)
MAX_REPORT_SCAN = 5000


class DataAccessQuery(BaseModel):
    """The ledger subjects of one person's records (as the data service names them), a window
    and a page. `requester` is the citizen asking: their own look-ups are left out."""

    model_config = ConfigDict(extra="forbid")

    subjects: list[str] = Field(min_length=1, max_length=100)
    requester: str = Field(max_length=64)
    since: datetime
    until: datetime
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    #: the `next_cursor` of the page before
    cursor: str | None = Field(default=None, max_length=24, pattern=r"^[0-9]+$")


class DataAccess(BaseModel):
    occurred_at: datetime
    #: the unit whose member read (None for a citizen-service request such as move-my-car)
    unit: str | None
    purpose: str | None
    #: what was done, e.g. `data.vehicle_dossier`
    operation: str
    #: the officer, only where policy shows names (it does not by default)
    officer: str | None = None


class DataAccessReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "occurred_at": "2026-11-28T14:03:00Z",
                            "unit": "futian-1",
                            "purpose": "traffic_enforcement",
                            "operation": "data.vehicle_dossier",
                            "officer": None,
                        }
                    ],
                    "next_cursor": None,
                    "withheld": 1,
                    "truncated": False,
                    "note": "1 reads made inside investigations still open are not shown yet",
                }
            ]
        }
    )

    items: list[DataAccess]
    next_cursor: str | None
    #: reads inside an open investigation, not shown until the case closes or the maximum
    #: delay passes
    withheld: int
    #: true when the window held more reads than one report considers (narrow the window)
    truncated: bool = False
    note: str | None = None
