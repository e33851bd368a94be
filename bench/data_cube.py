"""Data cube: a 3-dimension month view over a million incidents, through the data service,
beside the bare SQL query measured in the same run.

    .venv/bin/python -m bench.data_cube [--incidents 1000000] [--repeat 5]

Incidents are loaded with COPY into a scratch schema (and the daily counts the service keeps
with every insert are built the same way); the view is month × district × category over a local
year with every subtotal (GROUP BY CUBE). The floor is that query on the raw rows; the service
answers whole local days from the daily counts. Goal: ≤ 1 s through the service.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg2

from chassis import migrations
from chassis.context import actor_to_context
from chassis.discovery import settings_of
from chassis.testing.infra import (
    DATABASE_URL,
    amqp_uri_for,
    drop_schemas,
    isolated_vhost,
    new_schema_prefix,
)
from chassis.testing.processes import ServiceProcess
from contracts.actor import Actor, ActorKind
from gateway.broker import connect
from gateway.rpc import RpcClient

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 1, 1, tzinfo=SHANGHAI)
BRANCHES = {"futian": ["f1", "f2", "f3"], "nanshan": ["n1", "n2"], "luohu": ["l1", "l2", "l3"]}
CATEGORIES = ["theft", "fraud", "assault", "burglary", "robbery", "vandalism", "traffic"]
ANALYST = Actor(kind=ActorKind.OFFICER, id="analyst", unit="sz", scope="sz", roles=("analyst",))
QUERY = {
    "dimensions": ["month", "district", "category"],
    "since": START.isoformat(),
    "until": (START + timedelta(days=365)).isoformat(),
}
BARE_SQL = """
SELECT date_trunc('month', timezone('Asia/Shanghai', reported_at)), district, category,
       grouping(date_trunc('month', timezone('Asia/Shanghai', reported_at))),
       grouping(district), grouping(category), count(*)
FROM incidents
WHERE reported_at >= %(since)s AND reported_at < %(until)s
  AND (unit_path = 'sz' OR unit_path LIKE 'sz/%%')
GROUP BY CUBE (date_trunc('month', timezone('Asia/Shanghai', reported_at)), district, category)
"""


def load(schema: str, count: int) -> None:
    rng = random.Random(42)
    stations = [(b, s) for b, ss in BRANCHES.items() for s in ss]
    lines = []
    for _ in range(count):
        branch, station = rng.choice(stations)
        at = START + timedelta(seconds=rng.randint(0, 365 * 86400 - 1))
        lines.append(
            f"{uuid.uuid4()}\t{at.isoformat()}\t22.5\t114.0\t0\t{rng.choice(CATEGORIES)}\t\\N\t"
            f"open\t{branch}\t{station}\tsz/{branch}/{station}\n"
        )
    connection = psycopg2.connect(
        DATABASE_URL.replace("postgresql+psycopg2", "postgresql"), options=f"-csearch_path={schema}"
    )
    try:
        connection.cursor().copy_expert(
            "COPY incidents (incident_id, reported_at, lat, lon, cell, category, method, status, "
            "district, station, unit_path) FROM STDIN",
            io.StringIO("".join(lines)),
        )
        # what record_incidents keeps up to date with every insert
        connection.cursor().execute(
            "INSERT INTO incident_daily SELECT (timezone('Asia/Shanghai', reported_at))::date, "
            "district, station, category, coalesce(method, ''), status, unit_path, count(*) "
            "FROM incidents GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
        connection.cursor().execute("ANALYZE incidents")
        connection.cursor().execute("ANALYZE incident_daily")
        connection.commit()
    finally:
        connection.close()


#: an hour question (which hours of which weekdays, where) over one local month: raw rows
HOUR_QUERY = {
    "dimensions": ["hour_of_day", "weekday", "district"],
    "since": datetime(2026, 6, 1, tzinfo=SHANGHAI).isoformat(),
    "until": datetime(2026, 7, 1, tzinfo=SHANGHAI).isoformat(),
}
HOUR_SQL = """
SELECT extract(hour FROM timezone('Asia/Shanghai', reported_at)) AS h,
       extract(isodow FROM timezone('Asia/Shanghai', reported_at)) AS d, district,
       grouping(extract(hour FROM timezone('Asia/Shanghai', reported_at))),
       grouping(extract(isodow FROM timezone('Asia/Shanghai', reported_at))), grouping(district),
       count(*)
FROM incidents
WHERE reported_at >= %(since)s AND reported_at < %(until)s
  AND (unit_path = 'sz' OR unit_path LIKE 'sz/%%')
GROUP BY CUBE (extract(hour FROM timezone('Asia/Shanghai', reported_at)),
               extract(isodow FROM timezone('Asia/Shanghai', reported_at)), district)
"""


def bare(
    schema: str, repeat: int, sql: str = BARE_SQL, query: dict[str, Any] = QUERY
) -> list[float]:
    connection = psycopg2.connect(
        DATABASE_URL.replace("postgresql+psycopg2", "postgresql"), options=f"-csearch_path={schema}"
    )
    try:
        cursor, timings = connection.cursor(), []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, {"since": query["since"], "until": query["until"]})
            cursor.fetchall()
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        connection.close()


async def through_service(
    amqp_uri: str, repeat: int, query: dict[str, Any]
) -> tuple[list[float], int]:
    connection = await connect(amqp_uri, "bench-cube")
    rpc = RpcClient(default_timeout_s=60)
    await rpc.start(connection)
    try:
        timings, cells = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            cube = await rpc.call(
                "data",
                "incident_cube",
                query,
                timeout_s=60,
                context={"actor": actor_to_context(ANALYST)},
            )
            timings.append(time.perf_counter() - started)
            cells = len(cube["cells"])
        return timings, cells
    finally:
        await rpc.stop()
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("data").model_copy(update={"schema_prefix": prefix}))
        load(f"{prefix}data", args.incidents)
        floor = bare(f"{prefix}data", args.repeat)
        hour_floor = bare(f"{prefix}data", args.repeat, HOUR_SQL, HOUR_QUERY)
        with (
            isolated_vhost("sp-bench") as vhost,
            ServiceProcess(
                "data",
                amqp_uri_for(vhost),
                prefix,
                SP_LOG_LEVEL="WARNING",
                SP_TRACE_STORE_ENABLED="false",
            ) as data,
        ):
            data.wait_ready()
            service, cells = asyncio.run(through_service(amqp_uri_for(vhost), args.repeat, QUERY))
            # a second past midnight: whole days no longer, so the raw rows answer
            raw_query = {**QUERY, "since": (START + timedelta(seconds=1)).isoformat()}
            raw, _ = asyncio.run(through_service(amqp_uri_for(vhost), args.repeat, raw_query))
            hours, hour_cells = asyncio.run(
                through_service(amqp_uri_for(vhost), args.repeat, HOUR_QUERY)
            )
    finally:
        drop_schemas(prefix)
    f, s, r = statistics.median(floor), statistics.median(service), statistics.median(raw)
    print(
        f"\nmonth × district × category over a year, {args.incidents:,} incidents, "
        f"{cells} cells, median of {args.repeat}\n"
    )
    print(f"{'floor: the bare GROUP BY CUBE query (psycopg2)':<52} {f * 1000:8.0f} ms   floor")
    print(
        f"{'data service: incident_cube (daily counts)':<52} {s * 1000:8.0f} ms   "
        f"{s / f:5.2f}x the time"
    )
    print(
        f"{'data service: incident_cube (raw rows, odd window)':<52} {r * 1000:8.0f} ms   "
        f"{r / f:5.2f}x the time"
    )
    hf, h = statistics.median(hour_floor), statistics.median(hours)
    print(f"\nhour of day × weekday × district over one local month, {hour_cells} cells\n")
    print(f"{'floor: the bare GROUP BY CUBE query (psycopg2)':<52} {hf * 1000:8.0f} ms   floor")
    print(
        f"{'data service: incident_cube (raw rows)':<52} {h * 1000:8.0f} ms   "
        f"{h / hf:5.2f}x the time"
    )


if __name__ == "__main__":
    main()
