"""Retention of the chassis' own bookkeeping rows.

Outbox rows carry event payloads, which may hold personal data: once sent and past their
retention they are deleted. Inbox and idempotency rows only need to outlive any redelivery or
client retry, so they expire too. Unsent outbox rows are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete

from chassis.settings import ChassisSettings
from chassis.tables import OUTBOX_SENT, idempotency, inbox, outbox


@dataclass(frozen=True)
class Purged:
    outbox: int
    inbox: int
    idempotency: int


def purge_expired(db: Connection, settings: ChassisSettings, now: datetime) -> Purged:
    def before(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    sent = db.execute(
        delete(outbox).where(
            outbox.c.status == OUTBOX_SENT,
            outbox.c.sent_at < before(settings.outbox_sent_retention_s),
        )
    ).rowcount
    applied = db.execute(
        delete(inbox).where(inbox.c.applied_at < before(settings.inbox_retention_s))
    ).rowcount
    keys = db.execute(
        delete(idempotency).where(
            idempotency.c.created_at < before(settings.idempotency_retention_s)
        )
    ).rowcount
    return Purged(outbox=sent, inbox=applied, idempotency=keys)
