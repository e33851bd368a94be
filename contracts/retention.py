"""Retention: what expires when, and the receipt left in the ledger for every deletion."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

RETENTION_OPERATION = "retention.delete"


class RetentionReceipt(BaseModel):
    """What a retention run deleted from one data class: written to the audit ledger in the
    same transaction as the deletion, so a receipt exists exactly when the rows are gone."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service": "data",
                    "data_class": "sightings",
                    "cutoff": "2025-11-29T00:00:00Z",
                    "oldest": "2025-11-01T03:12:09Z",
                    "newest": "2025-11-28T23:59:58Z",
                    "rows": 120394,
                    "digest": "9f2c…",
                    "deleted_at": "2026-11-29T00:00:05Z",
                }
            ]
        }
    )

    service: str
    data_class: str
    #: rows older than this were deleted
    cutoff: datetime
    oldest: datetime | None = Field(description="the oldest deleted row's time")
    newest: datetime | None = Field(description="the newest deleted row's time")
    rows: int
    #: order-independent digest of the deleted rows' ids (sum of their SHA-256, mod 2^256)
    digest: str
    deleted_at: datetime


class RetentionReceipts(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "next_cursor": "41"}]})

    items: list[RetentionReceipt]
    next_cursor: str | None
