"""Retention per data class: expired rows are deleted in chunks, and a receipt goes to the
audit ledger in the same transaction.

A service names its data classes (`PlatformService.retention_classes`); how long each is kept
is configuration (`SP_RETENTION_DAYS`, a JSON object of class → days). A class with no
configured period is kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select

from contracts.retention import RetentionReceipt

DIGEST_MODULUS = 2**256
CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class DataClass:
    """Rows of `table` that expire by `timestamp`; `key` identifies a row for the digest."""

    name: str
    table: Table
    timestamp: str
    key: str

    @property
    def timestamp_column(self) -> Column[Any]:
        return self.table.c[self.timestamp]

    @property
    def key_column(self) -> Column[Any]:
        return self.table.c[self.key]


def cutoff_for(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def purge(
    db: Connection, service: str, data_class: DataClass, cutoff: datetime, now: datetime
) -> RetentionReceipt:
    """Delete every row older than `cutoff`, a chunk at a time, and describe what went."""
    total, oldest, newest, digest = 0, None, None, 0
    when, key = data_class.timestamp_column, data_class.key_column
    while True:
        chunk = select(key).where(when < cutoff).limit(CHUNK_ROWS).scalar_subquery()
        rows = db.execute(delete(data_class.table).where(key.in_(chunk)).returning(key, when)).all()
        if not rows:
            break
        total += len(rows)
        for row_key, at in rows:
            digest = (digest + int.from_bytes(hashlib.sha256(str(row_key).encode()).digest())) % (
                DIGEST_MODULUS
            )
            oldest = at if oldest is None or at < oldest else oldest
            newest = at if newest is None or at > newest else newest
        if len(rows) < CHUNK_ROWS:
            break
    return RetentionReceipt(
        service=service,
        data_class=data_class.name,
        cutoff=cutoff,
        oldest=oldest,
        newest=newest,
        rows=total,
        digest=format(digest, "064x"),
        deleted_at=now,
    )
