"""Ledger appends: audit events → management → ledger entries with their Merkle leaves, beside
a plain INSERT of the same rows, measured in the same run.

    .venv/bin/python -m bench.ledger_append [--events 50000]

Two subjects. The ledger append: management's append (keyed digests, the ledger lock, the
redelivery check, contiguous leaf indexes, canonical entries and their RFC 6962 leaf hashes,
the details table, committed 500 at a time) over envelopes already received; this is the
figure the goal is about. And the whole path an audit record takes from the broker: events
waiting in the management service's queue (published before the clock starts: a publisher
confirming one message at a time would be what is measured), delivered, parsed, acknowledged,
appended in batches. The floor is the very rows the service wrote, read back and inserted again
with psycopg2's `execute_values`, 500 to a statement, into a fresh ledger. After the service's
run a tree head is signed and an inclusion proof made, to show the proofs are there (timed too).
Goal: ≥ 0.5× the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import psycopg2
import psycopg2.extras
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from chassis import migrations
from chassis.db import make_engine
from chassis.discovery import settings_of
from chassis.outbox import build_envelope, encode_envelope
from chassis.testing.infra import (
    DATABASE_URL,
    amqp_uri_for,
    drop_schemas,
    isolated_vhost,
    new_schema_prefix,
)
from chassis.testing.processes import ServiceProcess
from chassis.testing.publish import publish_encoded
from contracts.actor import Actor, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.envelope import EventEnvelope
from gateway.broker import connect
from gateway.rpc import RpcClient
from services.management import ledger_app
from services.management.settings import Settings
from services.management.store import ledger_entries

COLUMNS = [c.name for c in ledger_entries.c]
BATCH = 500  # as the service's consumer takes them


def messages(count: int) -> list[tuple[str, str, bytes]]:
    encoded = []
    for n in range(count):
        actor = Actor(
            kind=ActorKind.OFFICER,
            id=f"o-{n % 300:03d}",
            unit="futian-1",
            scope="sz/futian",
            roles=("officer",),
            purpose=Purpose.PATROL_AND_PREVENTION,
        )
        envelope = build_envelope(
            event_type=audit_event_type("gateway"),
            payload=AuditRecord(
                operation="data.plate_trajectory",
                outcome=Outcome.ALLOWED,
                subject=f"plate=粤B{n % 100_000:05d}",
                http_status=200,
                request_id=f"r-{n}",
            ),
            producer="gateway",
            actor=actor,
            traceparent=f"00-{n:032x}-{n:016x}-01",
        )
        encoded.append((envelope.type, str(envelope.event_id), encode_envelope(envelope)))
    return encoded


def dsn() -> str:
    return DATABASE_URL.replace("postgresql+psycopg2", "postgresql")


def drain_time(schema: str, events: int) -> float:
    """Seconds from the first entry in the ledger to the last (the service's start excluded),
    scaled to the whole count."""
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"}, poolclass=StaticPool
    )

    def size() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one())

    deadline = time.perf_counter() + 900
    try:
        while (first := size()) == 0:
            if time.perf_counter() > deadline:
                raise SystemExit("the ledger took nothing within 15 minutes")
            time.sleep(0.01)
        started = time.perf_counter()
        while size() < events:
            if time.perf_counter() > deadline:
                raise SystemExit("the ledger did not take every event within 15 minutes")
            time.sleep(0.05)
        return (time.perf_counter() - started) * events / (events - first)
    finally:
        engine.dispose()


def append_directly(encoded: list[tuple[str, str, bytes]]) -> float:
    """Seconds for the management service's append (`ledger_app.append`, one transaction per
    500 records) over envelopes already received: the ledger's own work, without the broker."""
    prefix = new_schema_prefix()
    settings = Settings().model_copy(update={"schema_prefix": prefix})
    try:
        migrations.upgrade(settings)
        engine = make_engine(settings)
        sessions = sessionmaker(engine)
        envelopes = [EventEnvelope.model_validate_json(body) for _, _, body in encoded]
        started = time.perf_counter()
        for start in range(0, len(envelopes), BATCH):
            with sessions.begin() as session:
                ledger_app.append(session, settings, envelopes[start : start + BATCH])
        elapsed = time.perf_counter() - started
        engine.dispose()
        return elapsed
    finally:
        drop_schemas(prefix)


def read_rows(schema: str) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(dsn(), options=f"-csearch_path={schema}")
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM ledger_entries ORDER BY leaf_index")
        rows = cursor.fetchall()
    finally:
        connection.close()
    return [
        tuple(psycopg2.extras.Json(v) if isinstance(v, dict) else v for v in row) for row in rows
    ]


def insert_floor(rows: list[tuple[Any, ...]]) -> float:
    prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("management").model_copy(update={"schema_prefix": prefix}))
        connection = psycopg2.connect(dsn(), options=f"-csearch_path={prefix}management")
        try:
            cursor = connection.cursor()
            statement = f"INSERT INTO ledger_entries ({', '.join(COLUMNS)}) VALUES %s"
            started = time.perf_counter()
            for start in range(0, len(rows), BATCH):
                psycopg2.extras.execute_values(
                    cursor, statement, rows[start : start + BATCH], page_size=BATCH
                )
                connection.commit()
            return time.perf_counter() - started
        finally:
            connection.close()
    finally:
        drop_schemas(prefix)


async def proofs(amqp_uri: str, size: int) -> tuple[float, float]:
    connection = await connect(amqp_uri, "bench-ledger")
    rpc = RpcClient(default_timeout_s=120)
    await rpc.start(connection)
    try:
        started = time.perf_counter()
        head = await rpc.call("management", "sign_tree_head_now", timeout_s=120)
        signed = time.perf_counter() - started
        assert head is not None and head["size"] == size
        started = time.perf_counter()
        await rpc.call(
            "management",
            "ledger_inclusion_proof",
            {"leaf_index": size // 2, "tree_size": size},
            timeout_s=120,
        )
        return signed, time.perf_counter() - started
    finally:
        await rpc.stop()
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    encoded = messages(args.events)
    prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("management").model_copy(update={"schema_prefix": prefix}))
        with isolated_vhost("sp-bench") as vhost:
            amqp_uri = amqp_uri_for(vhost)
            env = {
                "SP_LOG_LEVEL": "WARNING",
                "SP_TRACE_STORE_ENABLED": "false",
                "SP_LEDGER_TREE_HEAD_INTERVAL_S": "3600",
                "SP_OVERSIGHT_INTERVAL_S": "86400",
            }
            # the events wait in the service's queue first: a publisher confirming one message
            # at a time (~3,700/s here) must not be what is measured
            with ServiceProcess("management", amqp_uri, prefix, **env) as management:
                management.wait_ready()  # declares its queues
            publish_encoded(amqp_uri, encoded)
            with ServiceProcess("management", amqp_uri, prefix, **env) as management:
                management.wait_ready()
                subject_s = drain_time(f"{prefix}management", args.events)
                sign_s, proof_s = asyncio.run(proofs(amqp_uri, args.events))
        rows = read_rows(f"{prefix}management")
    finally:
        drop_schemas(prefix)
    floor_s = insert_floor(rows)
    append_s = append_directly(encoded)
    floor_rate = args.events / floor_s
    print(f"\n{args.events:,} audit records\n")
    lines = [
        ("floor: plain INSERT of the same rows (execute_values)", floor_s),
        ("ledger append (management's append, 500 a transaction)", append_s),
        ("events → broker → management → ledger entries", subject_s),
    ]
    for label, seconds in lines:
        rate = args.events / seconds
        ratio = "  floor" if seconds is floor_s else f"{rate / floor_rate:6.2f}x"
        print(f"{label:<58} {rate:9,.0f}/s {ratio}")
    print(
        f"\nthen: a signed tree head over {args.events:,} entries in {sign_s * 1000:,.0f} ms, "
        f"an inclusion proof in {proof_s * 1000:,.0f} ms"
    )


if __name__ == "__main__":
    main()
