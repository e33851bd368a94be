"""Sighting ingestion: events → data service → committed rows, beside raw COPY of the same rows.

    .venv/bin/python -m bench.sighting_ingestion [--rows 200000] [--batch 2000]

The floor is psycopg2's COPY of the same rows into the same partitioned table (in a second
schema), already formatted as COPY text, from this process, measured in the same run. The
subject is the whole path after prevention: events published to the broker, consumed by the
data service (batch consumer, inbox, partitions, COPY), committed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg2
from sqlalchemy import create_engine, func, select

from chassis import migrations
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
from contracts.actor import SYSTEM_ACTOR
from contracts.sightings import SIGHTING_RECORDED, Sighting, SightingsRecorded
from contracts.values import GeoPoint
from services.data.domain.sightings import copy_text, rows_of
from services.data.store import COPY_COLUMNS, sightings


def make_events(rows: int, batch: int) -> list[SightingsRecorded]:
    start = datetime.now(UTC) - timedelta(hours=2)
    batches = []
    for b in range(0, rows, batch):
        batches.append(
            SightingsRecorded(
                batch_id=f"bench-{b}",
                unit=None,
                sightings=[
                    Sighting(
                        sighting_id=uuid.uuid4(),
                        plate=f"粤B{(b + i) % 100000:05d}",
                        device_id=f"cp-{i % 40}",
                        seen_at=start + timedelta(milliseconds=(b + i) * 20),
                        location=GeoPoint(lat=22.5 + i % 100 / 1000, lon=114.0 + i % 77 / 1000),
                    )
                    for i in range(min(batch, rows - b))
                ],
            )
        )
    return batches


def copy_floor(schema: str, batches: list[SightingsRecorded]) -> float:
    connection = psycopg2.connect(
        DATABASE_URL.replace("postgresql+psycopg2", "postgresql"), options=f"-csearch_path={schema}"
    )
    try:
        cursor = connection.cursor()
        days = {s.seen_at.date() for b in batches for s in b.sightings}
        for day in days:
            cursor.execute("SELECT ensure_sightings_partition(%s)", (day,))
        connection.commit()
        buffers = [io.StringIO(copy_text(rows_of(b.model_dump(mode="json")))) for b in batches]
        started = time.perf_counter()  # the COPY alone: the rows are already text
        for buffer in buffers:
            cursor.copy_expert(f"COPY sightings ({', '.join(COPY_COLUMNS)}) FROM STDIN", buffer)
            connection.commit()
        return time.perf_counter() - started
    finally:
        connection.close()


def count(schema: str) -> int:
    engine = create_engine(DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(sightings)).scalar_one())
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument(
        "--writers", type=int, nargs="+", default=[1, 2], help="data service processes to try"
    )
    args = parser.parse_args()
    batches = make_events(args.rows, args.batch)
    envelopes = [
        build_envelope(
            event_type=SIGHTING_RECORDED,
            payload=b,
            producer="prevention",
            actor=SYSTEM_ACTOR,
            traceparent=None,
        )
        for b in batches
    ]
    # encoded before the clock starts: encoding is the producer's work, not the pipeline's
    messages = [(e.type, str(e.event_id), encode_envelope(e)) for e in envelopes]
    floor_prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("data").model_copy(update={"schema_prefix": floor_prefix}))
        floor_s = copy_floor(f"{floor_prefix}data", batches)
    finally:
        drop_schemas(floor_prefix)
    results = [(writers, ingest(messages, args.rows, writers)) for writers in args.writers]
    floor_rate = args.rows / floor_s
    print(f"\n{args.rows:,} sightings in events of {args.batch:,}, partitioned by day\n")
    print(f"{'floor: raw COPY of the same rows':<58} {floor_rate:10,.0f} rows/s       floor")
    for writers, seconds in results:
        label = f"events → data service ({writers} process{'es' if writers > 1 else ''}) → rows"
        rate = args.rows / seconds
        print(f"{label:<58} {rate:10,.0f} rows/s  {rate / floor_rate:5.2f}x")


def ingest(messages: list[tuple[str, str, bytes]], rows: int, writers: int) -> float:
    """Seconds from the first publish until every row is committed, with `writers` processes."""
    prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("data").model_copy(update={"schema_prefix": prefix}))
        with isolated_vhost("sp-bench") as vhost, contextlib.ExitStack() as stack:
            amqp_uri = amqp_uri_for(vhost)
            processes = [
                stack.enter_context(
                    ServiceProcess(
                        "data",
                        amqp_uri,
                        prefix,
                        SP_LOG_LEVEL="WARNING",
                        SP_TRACE_STORE_ENABLED="false",
                    )
                )
                for _ in range(writers)
            ]
            for process in processes:
                process.wait_ready()
            started = time.perf_counter()
            publish_encoded(amqp_uri, messages)
            while count(f"{prefix}data") < rows:
                if time.perf_counter() - started > 600:
                    raise SystemExit("ingestion did not finish within 10 minutes")
                time.sleep(0.05)
            return time.perf_counter() - started
    finally:
        drop_schemas(prefix)


if __name__ == "__main__":
    main()
