"""Idempotent commands: a retried command (same operation and key) does its work once.

nameko RPC is at-least-once: a worker killed mid-call runs again after restart, and clients
retry on timeouts. The key is claimed in the same transaction as the command's effect; a second
call with the key waits for the first to finish and then returns its recorded result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chassis.tables import idempotency
from contracts.errors import ValidationFailed

MAX_KEY_LENGTH = 200


@dataclass
class Command:
    session: Session
    operation: str
    key: str
    replayed: bool
    previous_result: Any = None

    def record(self, result: Any) -> Any:
        """Store the command's JSON-serialisable result for later retries; returns it."""
        self.session.execute(
            update(idempotency)
            .where(idempotency.c.operation == self.operation, idempotency.c.key == self.key)
            .values(result=result)
        )
        return result


def claim(session: Session, operation: str, key: str) -> Command:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(f"idempotency key must be 1-{MAX_KEY_LENGTH} characters")
    inserted = session.execute(
        insert(idempotency)
        .values(operation=operation, key=key)
        .on_conflict_do_nothing()
        .returning(idempotency.c.key)
    ).first()
    if inserted is not None:
        return Command(session, operation, key, replayed=False)
    previous = session.execute(
        select(idempotency.c.result).where(
            idempotency.c.operation == operation, idempotency.c.key == key
        )
    ).scalar()
    return Command(session, operation, key, replayed=True, previous_result=previous)
