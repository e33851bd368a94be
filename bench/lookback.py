"""Look-back: a plate's 30-day trajectory through the gateway, with its audit records written,
beside the bare SQL query, over millions of sightings.

    .venv/bin/python -m bench.lookback [--rows 10000000] [--seconds 10]

Sightings are spread over 35 days of day partitions with COPY; one plate has a few hundred of
them. The floor is the trajectory's SQL run bare through psycopg2; the subject is
`GET /api/v1/data/vehicles/{plate}/trajectory` through the gateway (token, purpose, audit gate,
RPC, the data service's own audit record), loaded by wrk with two connections. Goal: p99 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import psycopg2

from bench.gateway_roundtrip import start_gateway, wrk_phase
from bench.harness import Result
from chassis import migrations
from chassis.discovery import settings_of
from chassis.testing.infra import (
    DATABASE_URL,
    amqp_uri_for,
    drop_schemas,
    isolated_vhost,
    new_schema_prefix,
)
from chassis.testing.processes import ServiceProcess
from gateway.broker import connect
from gateway.rpc import RpcClient

TARGET = "粤T12345"
DAYS = 35
PASSWORD = "benchmark pass phrase"


def load(schema: str, rows: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    connection = psycopg2.connect(
        DATABASE_URL.replace("postgresql+psycopg2", "postgresql"), options=f"-csearch_path={schema}"
    )
    try:
        cursor = connection.cursor()
        for d in range(DAYS + 1):
            cursor.execute(
                "SELECT ensure_sightings_partition(%s)", ((now - timedelta(days=d)).date(),)
            )
        connection.commit()
        chunk = 500_000
        for start in range(0, rows, chunk):
            lines = []
            for i in range(start, min(rows, start + chunk)):
                plate = TARGET if i % 50_000 == 0 else f"粤B{rng.randrange(1_000_000):06d}"[:8]
                at = now - timedelta(seconds=rng.randrange(DAYS * 86400))
                lines.append(
                    f"{uuid.uuid4()}\t{plate}\tcp-{i % 300}\t{at.isoformat()}\t\\N\t\\N\t\\N\tb\n"
                )
            cursor.copy_expert(
                "COPY sightings (sighting_id, plate, device_id, seen_at, lat, lon, cell, batch_id) "
                "FROM STDIN",
                io.StringIO("".join(lines)),
            )
            connection.commit()
        cursor.execute("ANALYZE sightings")
        connection.commit()
    finally:
        connection.close()


def bare(schema: str, seconds: float) -> Result:
    now = datetime.now(UTC)
    connection = psycopg2.connect(
        DATABASE_URL.replace("postgresql+psycopg2", "postgresql"), options=f"-csearch_path={schema}"
    )
    latencies: list[float] = []
    try:
        cursor = connection.cursor()
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            started = time.perf_counter()
            cursor.execute(
                "SELECT sighting_id, device_id, seen_at, lat, lon FROM sightings WHERE plate = %s "
                "AND seen_at >= %s AND seen_at < %s ORDER BY seen_at, sighting_id LIMIT 100",
                (TARGET, now - timedelta(days=30), now),
            )
            cursor.fetchall()
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return Result(
        "floor: the bare trajectory query (psycopg2)", len(latencies), 0, seconds, latencies
    )


async def seed(amqp_uri: str) -> None:
    connection = await connect(amqp_uri, "bench-seed")
    rpc = RpcClient(default_timeout_s=30)
    await rpc.start(connection)
    try:
        await rpc.call("management", "create_unit", {"id": "b", "name": "B", "level": "city"})
        await rpc.call(
            "management",
            "create_unit",
            {"id": "b-b", "name": "B", "level": "branch", "parent_id": "b"},
        )
        await rpc.call(
            "management",
            "create_officer",
            {
                "id": "bench",
                "username": "bench",
                "display_name": "B",
                "unit_id": "b-b",
                "roles": ["officer"],
                "password": PASSWORD,
            },
        )
    finally:
        await rpc.stop()
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        default=[1, 2],
        help="wrk phases: 1 is one user's latency (no queueing), more is the machine saturated",
    )
    args = parser.parse_args()
    prefix = new_schema_prefix()
    try:
        for service in ("data", "management"):
            migrations.upgrade(settings_of(service).model_copy(update={"schema_prefix": prefix}))
        started = time.perf_counter()
        load(f"{prefix}data", args.rows)
        loaded_s = time.perf_counter() - started
        floor = bare(f"{prefix}data", args.seconds)
        with isolated_vhost("sp-bench") as vhost:
            amqp_uri = amqp_uri_for(vhost)
            env = {"SP_LOG_LEVEL": "WARNING", "SP_TRACE_STORE_ENABLED": "false"}
            with (
                ServiceProcess("management", amqp_uri, prefix, **env) as management,
                ServiceProcess("data", amqp_uri, prefix, **env) as data,
            ):
                management.wait_ready()
                data.wait_ready()
                asyncio.run(seed(amqp_uri))
                process, base = start_gateway(amqp_uri, prefix, tracing=False)
                try:
                    token = httpx.post(
                        f"{base}/api/v1/auth/token",
                        data={
                            "grant_type": "password",
                            "username": "bench",
                            "password": PASSWORD,
                        },
                    ).json()["access_token"]
                    now = datetime.now(UTC)
                    query = (
                        f"since={quote((now - timedelta(days=30)).isoformat())}"
                        f"&until={quote(now.isoformat())}"
                    )
                    url = f"{base}/api/v1/data/vehicles/{quote(TARGET)}/trajectory?{query}"
                    phases = [
                        wrk_phase(
                            url,
                            token,
                            f"gateway: trajectory, auth + audit [wrk, {n} connection(s)]",
                            n,
                            args.seconds,
                        )
                        for n in args.connections
                    ]
                finally:
                    process.terminate()
                    process.wait(timeout=10)
    finally:
        drop_schemas(prefix)
    print(
        f"\n{args.rows:,} sightings over {DAYS} days (loaded in {loaded_s:.0f} s); one plate's "
        f"30-day trajectory\n"
    )
    print(floor.line())
    for phase in phases:
        print(phase.line(floor))
    print(
        f"\np99: floor {floor.percentile(99):.2f} ms, gateway "
        + ", ".join(
            f"{phase.percentile(99):.2f} ms at {n} connection(s)"
            for n, phase in zip(args.connections, phases, strict=True)
        )
        + f" (goal ≤ 10 ms); median floor {statistics.median(floor.latencies_ms):.2f} ms"
    )


if __name__ == "__main__":
    main()
