"""Two small services used only by the chassis tests: a producer and a consumer of events."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert

from chassis.context import current_traceparent
from chassis.db import checked_schema, ensure_schema
from chassis.entrypoints import on_event, on_events, rpc
from chassis.service import PlatformService
from chassis.settings import ChassisSettings
from chassis.tables import chassis_metadata
from contracts.envelope import EventEnvelope

NOTE_RECORDED = "sample_producer.note.recorded.v1"
FLAKY_HAPPENED = "sample_producer.flaky.happened.v1"
NOBODY_LISTENS = "sample_producer.shout.into_void.v1"
TALLY_COUNTED = "sample_producer.tally.counted.v1"

sample_metadata = MetaData()
notes = Table(
    "notes", sample_metadata, Column("id", String, primary_key=True), Column("text", String)
)
seen = Table(
    "seen",
    sample_metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("handler", String),
    Column("actor_id", String),
    Column("traceparent", String),
)
switches = Table(
    "switches",
    sample_metadata,
    Column("name", String, primary_key=True),
    Column("broken", Boolean, nullable=False),
)


class ProducerSettings(ChassisSettings):
    service_name: str = "sample_producer"
    http_port: int = 0


class ConsumerSettings(ChassisSettings):
    service_name: str = "sample_consumer"
    http_port: int = 0


class SampleProducer(PlatformService):
    name = "sample_producer"
    settings_class = ProducerSettings

    @rpc
    def record_note(self, note_id: str, body: str, idempotency_key: str) -> str:
        with self.db.command("record_note", idempotency_key) as command:
            if command.replayed:
                return str(command.previous_result)
            command.session.execute(insert(notes).values(id=note_id, text=body))
            envelope = self.events.stage(command.session, NOTE_RECORDED, {"note_id": note_id})
            return str(command.record(str(envelope.event_id)))

    @rpc
    def announce(self, event_type: str) -> str:
        with self.db.transaction() as session:
            envelope = self.events.stage(session, event_type, {"announced": True})
        return str(envelope.event_id)

    @rpc
    def sleep_in_db(self, seconds: float) -> list[str]:
        with self.db.transaction() as session:
            row = session.execute(
                text(
                    "SELECT clock_timestamp() AS started, pg_sleep(:s), clock_timestamp() AS ended"
                ),
                {"s": seconds},
            ).one()
        return [row.started.isoformat(), row.ended.isoformat()]


class SampleConsumer(PlatformService):
    name = "sample_consumer"
    settings_class = ConsumerSettings

    @on_event(NOTE_RECORDED)
    def on_note(self, event: EventEnvelope) -> None:
        with self.db.apply_once(event) as session:
            session.execute(
                insert(seen).values(
                    event_id=event.event_id,
                    handler="on_note",
                    actor_id=self.actor.id,
                    traceparent=current_traceparent(),
                )
            )

    @on_event(FLAKY_HAPPENED)
    def on_flaky(self, event: EventEnvelope) -> None:
        with self.db.apply_once(event) as session:
            broken = session.execute(
                select(switches.c.broken).where(switches.c.name == "flaky")
            ).scalar()
            if broken:
                raise RuntimeError("the flaky handler is switched to fail")
            session.execute(insert(seen).values(event_id=event.event_id, handler="on_flaky"))


class BatchConsumerSettings(ChassisSettings):
    service_name: str = "sample_consumer"
    http_port: int = 0


class SampleBatchConsumer(PlatformService):
    """Shares the consumer's schema; applies tallies in batches; a `poison` tally fails; a
    batch with a `hold` tally waits while the `hold_tallies` switch is on (and says so by
    turning on `holding`)."""

    name = "sample_consumer"
    settings_class = BatchConsumerSettings

    @on_events(TALLY_COUNTED, batch_size=50, max_wait_ms=100)
    def on_tallies(self, events: list[EventEnvelope]) -> None:
        if any(e.payload.get("hold") for e in events):
            self._hold()
        with self.db.apply_batch_once(events) as (session, new):
            if any(e.payload.get("poison") for e in new):
                raise RuntimeError("a poison tally")
            if new:
                session.execute(
                    insert(seen), [{"event_id": e.event_id, "handler": "on_tallies"} for e in new]
                )

    def _hold(self) -> None:
        def switched_on(session: Any, name: str) -> bool:
            return bool(
                session.execute(select(switches.c.broken).where(switches.c.name == name)).scalar()
            )

        with self.db.transaction() as session:
            session.execute(
                pg_insert(switches).values(name="holding", broken=True).on_conflict_do_nothing()
            )
        while True:
            with self.db.transaction() as session:
                if not switched_on(session, "hold_tallies"):
                    return
            time.sleep(0.05)


def create_sample_schemas(database_url: str, schema_prefix: str) -> None:
    engine = create_engine(database_url)
    try:
        for service in ("sample_producer", "sample_consumer"):
            schema = checked_schema(f"{schema_prefix}{service}")
            ensure_schema(engine, schema)
            with engine.begin() as conn:
                conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
                chassis_metadata.create_all(conn)
                sample_metadata.create_all(conn)
    finally:
        engine.dispose()


def schema_engine(database_url: str, schema: str) -> Any:
    return create_engine(database_url, connect_args={"options": f"-csearch_path={schema}"})
