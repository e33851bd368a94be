"""Staging events in the transactional outbox, in the same transaction as the state change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Connection, event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from chassis.tables import OUTBOX_SENT, outbox
from contracts.actor import Actor
from contracts.envelope import EventEnvelope


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_envelope(
    *,
    event_type: str,
    payload: BaseModel | dict[str, Any],
    producer: str,
    actor: Actor,
    traceparent: str | None,
    links: Iterable[str] = (),
    clock: Callable[[], datetime] = utc_now,
    event_id: uuid.UUID | None = None,
) -> EventEnvelope:
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    return EventEnvelope(
        event_id=event_id or uuid.uuid4(),
        type=event_type,
        occurred_at=clock(),
        producer=producer,
        traceparent=traceparent,
        links=tuple(links),
        actor=actor,
        payload=body,
    )


def encode_envelope(envelope: EventEnvelope) -> bytes:
    return orjson.dumps(envelope.model_dump(mode="json"))


#: session.info key set when a transaction staged an event; the commit hook wakes the relay
STAGED_KEY = "outbox_staged"


def stage(session: Session, envelope: EventEnvelope) -> None:
    """Write the event row in the caller's transaction."""
    session.execute(
        insert(outbox).values(
            event_id=envelope.event_id, type=envelope.type, envelope=encode_envelope(envelope)
        )
    )
    session.info[STAGED_KEY] = True


def wake_after_commit(sessions: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Call `wake` after each commit of a session from `sessions` that staged an event."""

    def after_commit(session: Session) -> None:
        if session.info.pop(STAGED_KEY, False):
            wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(STAGED_KEY, None)

    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)


def backlog_counts(db: Connection) -> dict[str, int]:
    """Unsent outbox rows by status (pending, unroutable)."""
    rows = db.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.status != OUTBOX_SENT)
        .group_by(outbox.c.status)
    ).all()
    return {status: int(n) for status, n in rows}
