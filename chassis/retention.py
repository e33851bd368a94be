"""Retention per data class: expired rows are deleted in chunks, and a receipt goes to the
audit ledger in the same transaction.

A service names its data classes (`PlatformService.retention_classes`); how long each is kept
is configuration (`SP_RETENTION_DAYS`, a JSON object of class → days). A class with no
configured period is kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, select, text

from contracts.retention import RetentionReceipt

DIGEST_MODULUS = 2**256
CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class DataClass:
    """Rows of `table` that expire by `timestamp`; `key` identifies a row for the digest.

    When `table` is partitioned by range on `timestamp`, partitions that lie wholly before the
    cutoff are dropped whole (after their rows are counted into the receipt), which is far
    cheaper than deleting their rows; what remains is deleted in chunks.
    """

    name: str
    table: Table
    timestamp: str
    key: str
    partitioned: bool = False

    @property
    def timestamp_column(self) -> Column[Any]:
        return self.table.c[self.timestamp]

    @property
    def key_column(self) -> Column[Any]:
        return self.table.c[self.key]


def cutoff_for(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


_PARTITION_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def expired_partitions(db: Connection, table: Table, cutoff: datetime) -> list[str]:
    """Partitions of `table` whose whole range lies before `cutoff`."""
    db.execute(text("SET LOCAL TimeZone = 'UTC'"))  # bounds print in UTC, with an offset
    rows = db.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:parent)"
        ),
        {"parent": table.name},
    ).all()
    expired = []
    for name, bound in rows:
        match = _PARTITION_BOUNDS.search(bound or "")
        if match and datetime.fromisoformat(match.group(2)) <= cutoff:
            expired.append(name)
    return sorted(expired)


class _Tally:
    def __init__(self) -> None:
        self.rows, self.digest = 0, 0
        self.oldest: datetime | None = None
        self.newest: datetime | None = None

    def add(self, rows: Iterable[tuple[Any, datetime]]) -> int:
        counted = 0
        for row_key, at in rows:
            counted += 1
            self.digest = (
                self.digest + int.from_bytes(hashlib.sha256(str(row_key).encode()).digest())
            ) % DIGEST_MODULUS
            self.oldest = at if self.oldest is None or at < self.oldest else self.oldest
            self.newest = at if self.newest is None or at > self.newest else self.newest
        self.rows += counted
        return counted


def purge(
    db: Connection, service: str, data_class: DataClass, cutoff: datetime, now: datetime
) -> RetentionReceipt:
    """Drop wholly expired partitions, delete the remaining expired rows in chunks, and
    describe everything that went."""
    tally = _Tally()
    when, key = data_class.timestamp_column, data_class.key_column
    if data_class.partitioned:
        for partition in expired_partitions(db, data_class.table, cutoff):
            quoted = '"' + partition.replace('"', '""') + '"'
            tally.add(db.execute(text(f"SELECT {key.name}, {when.name} FROM {quoted}")).all())
            db.execute(text(f"DROP TABLE {quoted}"))
    while True:
        chunk = select(key).where(when < cutoff).limit(CHUNK_ROWS).scalar_subquery()
        rows = db.execute(delete(data_class.table).where(key.in_(chunk)).returning(key, when)).all()
        if tally.add(rows) < CHUNK_ROWS:
            break
    return RetentionReceipt(
        service=service,
        data_class=data_class.name,
        cutoff=cutoff,
        oldest=tally.oldest,
        newest=tally.newest,
        rows=tally.rows,
        digest=format(tally.digest, "064x"),
        deleted_at=now,
    )
