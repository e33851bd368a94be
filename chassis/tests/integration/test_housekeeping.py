"""Retention of outbox, inbox and idempotency rows (no eventlet needed, but needs PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from chassis.housekeeping import purge_expired
from chassis.settings import ChassisSettings
from chassis.tables import idempotency, inbox, outbox

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SETTINGS = ChassisSettings(
    outbox_sent_retention_s=3600, inbox_retention_s=7200, idempotency_retention_s=3600
)


def outbox_row(status: str, sent_at: datetime | None) -> dict:
    return {
        "event_id": uuid.uuid4(),
        "type": "a.b.c.v1",
        "envelope": b"{}",
        "status": status,
        "sent_at": sent_at,
        "created_at": NOW - timedelta(days=30),
    }


def test_expired_sent_events_inbox_rows_and_keys_are_deleted_and_unsent_events_never(
    producer_db: Engine,
) -> None:
    old, recent = NOW - timedelta(hours=3), NOW - timedelta(minutes=5)
    with producer_db.begin() as db:
        db.execute(
            insert(outbox),
            [
                outbox_row("sent", old),
                outbox_row("sent", recent),
                outbox_row("pending", None),
                outbox_row("unroutable", None),
            ],
        )
        db.execute(
            insert(inbox),
            [
                {"consumer": "c", "event_id": uuid.uuid4(), "applied_at": old},
                {"consumer": "c", "event_id": uuid.uuid4(), "applied_at": recent},
            ],
        )
        db.execute(
            insert(idempotency),
            [
                {"operation": "op", "key": "old", "created_at": old},
                {"operation": "op", "key": "new", "created_at": recent},
            ],
        )

    with producer_db.begin() as db:
        purged = purge_expired(db, SETTINGS, NOW)

    assert (purged.outbox, purged.inbox, purged.idempotency) == (1, 1, 1)
    with producer_db.connect() as db:
        statuses = sorted(db.execute(select(outbox.c.status)).scalars())
        keys = list(db.execute(select(idempotency.c.key)).scalars())
    assert statuses == ["pending", "sent", "unroutable"]
    assert keys == ["new"]
