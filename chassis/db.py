"""PostgreSQL access for services: one engine per service, pinned to the service's own schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from chassis.idempotency import Command, claim
from chassis.tables import inbox

if TYPE_CHECKING:
    from chassis.settings import ChassisSettings
    from contracts.envelope import EventEnvelope

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_schema(name: str) -> str:
    if not _SCHEMA_NAME.match(name):
        raise ValueError(f"schema name {name!r} is not a plain lower-case identifier")
    return name


def make_engine(settings: ChassisSettings, *, pooled: bool = True) -> Engine:
    """An engine whose every connection sees only the service's schema."""
    schema = checked_schema(settings.db_schema)
    # pre-ping costs a round trip per transaction (~15% of a simple read RPC here); without it
    # a database restart fails one call per process, after which the pool is replaced
    options: dict[str, Any] = {"pool_pre_ping": settings.db_pool_pre_ping, "pool_recycle": 1800}
    if pooled:
        options.update(pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size)
    else:
        options["poolclass"] = NullPool
    return create_engine(
        settings.database_url,
        connect_args={"options": f"-csearch_path={schema}"},
        json_serializer=_json_text,  # JSONB columns: orjson, as on the wire (stdlib json is slow)
        **options,
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def ensure_schema(engine: Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{checked_schema(schema)}"'))


class AlreadyApplied(Exception):
    """The event was applied before by this consumer; the entrypoint acknowledges it."""


def claim_events(session: Session, consumer: str, event_ids: list[Any]) -> set[Any]:
    """Record many events at once; returns the ids not recorded before."""
    if not event_ids:
        return set()
    # one statement shape whatever the count, so SQLAlchemy compiles it once, not per batch
    rows = session.execute(
        insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id),
        [{"consumer": consumer, "event_id": e} for e in dict.fromkeys(event_ids)],
    ).scalars()
    return set(rows)


def claim_event(session: Session, consumer: str, event_id: Any) -> bool:
    """Record `event_id` for `consumer` in this transaction; False if it was recorded before."""
    row = session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    ).first()
    return row is not None


class DatabaseAccess:
    """What a worker sees as `self.db`."""

    def __init__(
        self, sessions: sessionmaker[Session], consumer_name: str, caller: str = "system"
    ) -> None:
        self._sessions = sessions
        self._consumer_name = consumer_name
        #: who is calling (`kind:id`): idempotency keys are theirs alone
        self._caller = caller

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def command(self, operation: str, idempotency_key: str) -> Iterator[Command]:
        """A transaction for a state-changing command that must do its work once per key.

        `command.replayed` is true when the key was seen before; `command.previous_result`
        then holds what the first call recorded with `command.record(result)`. Keys are the
        caller's own: another caller sending the same key neither replays nor blocks this one
        (clients choose keys, so one must never reach another's result).
        """
        with self.transaction() as session:
            yield claim(session, f"{operation}|{self._caller}", idempotency_key)

    @contextmanager
    def apply_batch_once(
        self, events: list[EventEnvelope]
    ) -> Iterator[tuple[Session, list[EventEnvelope]]]:
        """A transaction in which a batch is recorded in the inbox with its effect; yields the
        events not applied before (in their order), which are the ones to apply."""
        with self.transaction() as session:
            fresh = claim_events(session, self._consumer_name, [e.event_id for e in events])
            seen: set[Any] = set()
            new = []
            for event in events:
                if event.event_id in fresh and event.event_id not in seen:
                    seen.add(event.event_id)
                    new.append(event)
            yield session, new

    @contextmanager
    def apply_once(self, event: EventEnvelope) -> Iterator[Session]:
        """A transaction in which `event` is recorded in the inbox with its effect.

        A redelivered event raises AlreadyApplied on entry, so its effect never runs twice.
        """
        with self.transaction() as session:
            if not claim_event(session, self._consumer_name, event.event_id):
                raise AlreadyApplied(str(event.event_id))
            yield session
