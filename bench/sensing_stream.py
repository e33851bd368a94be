"""End-to-end sensing: a device's gRPC stream → gateway → prevention → outbox → broker → data
service → committed rows, beside raw COPY of the same rows, measured in the same run.

    .venv/bin/python -m bench.sensing_stream [--rows 200000] [--batch 1000] [--devices 4]

The subject: `--devices` devices each stream their share of batches of `--batch` sightings to
the gateway's `SensorIngest.StreamSightings` at once; the clock runs from the first batch sent
to the last row counted in the data service. Ingest-to-visible: the data service's row count is
sampled every 20 ms; a batch is visible when the count first covers every batch sent before it
and itself (batches land nearly in order), and its latency is that moment minus its send time.
The floor is psycopg2's COPY of the same rows, already formatted, into the same partitioned
table (`bench.sighting_ingestion.copy_floor`). Goal: ≥ 10,000 sightings/s sustained, aiming for
20,000, with p99 ingest-to-visible ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
from sqlalchemy import create_engine, func, select

from bench.sighting_ingestion import copy_floor
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
from chassis.testing.processes import ServiceProcess, free_port
from contracts.actor import Actor, ActorKind
from contracts.proto import sensor_ingest_pb2 as pb
from contracts.proto import sensor_ingest_pb2_grpc as pb_grpc
from contracts.sightings import Sighting, SightingsRecorded
from contracts.values import GeoPoint
from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.data.store import sightings as sightings_table
from services.prevention.domain.sightings import sighting_id

SERVICES = ("management", "data", "prevention")
ADMIN = Actor(kind=ActorKind.OFFICER, id="o-bench", unit="sz", scope="sz", roles=("admin",))
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"
POINT = GeoPoint(lat=22.5431, lon=114.0579)


def device_batches(
    device: str, first_batch: int, batches: int, size: int
) -> list[pb.SightingBatch]:
    start = datetime.now(UTC) - timedelta(hours=1)
    made = []
    for b in range(first_batch, first_batch + batches):
        letter = LETTERS[b % len(LETTERS)]
        made.append(
            pb.SightingBatch(
                batch_id=f"{device}-{b:06d}",
                sightings=[
                    pb.Sighting(
                        plate=f"粤{letter}{(b // len(LETTERS) * size + i) % 100000:05d}",
                        seen_at=(start + timedelta(milliseconds=b * size + i)).isoformat(),
                    )
                    for i in range(size)
                ],
            )
        )
    return made


def as_events(device: str, batches: list[pb.SightingBatch]) -> list[SightingsRecorded]:
    """The same rows as the data service will hold them, for the floor."""
    events = []
    for batch in batches:
        rows = []
        for s in batch.sightings:
            seen_at = datetime.fromisoformat(s.seen_at)
            rows.append(
                Sighting(
                    sighting_id=sighting_id(device, s.plate, seen_at),
                    plate=s.plate,
                    device_id=device,
                    seen_at=seen_at,
                    location=POINT,
                )
            )
        events.append(SightingsRecorded(batch_id=batch.batch_id, unit=None, sightings=rows))
    return events


class RowCounter(threading.Thread):
    """Samples the data service's row count every 20 ms: (monotonic time, count)."""

    def __init__(self, schema: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(
            DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1
        )
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stopped.is_set():
                counted = conn.execute(select(func.count()).select_from(sightings_table))
                self.samples.append((time.perf_counter(), int(counted.scalar_one())))
                conn.commit()
                self.stopped.wait(0.02)

    def latest(self) -> int:
        return self.samples[-1][1] if self.samples else 0


async def stream(
    port: int,
    credential: str,
    batches: list[pb.SightingBatch],
    sent: dict[str, float],
    interval_s: float,
) -> None:
    """One device's stream; with `interval_s`, a batch every so often (a steady offered load),
    else as fast as the acknowledgements allow."""

    async def requests() -> AsyncIterator[pb.SightingBatch]:
        started = time.perf_counter()
        for n, batch in enumerate(batches):
            if interval_s:
                await asyncio.sleep(max(0.0, started + n * interval_s - time.perf_counter()))
            sent[batch.batch_id] = time.perf_counter()
            yield batch

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = pb_grpc.SensorIngestStub(channel).StreamSightings(
            requests(), metadata=(("authorization", f"Device {credential}"),)
        )
        async for ack in call:
            if ack.error or ack.accepted != len(batches[0].sightings):
                raise SystemExit(f"batch {ack.batch_id} not taken whole: {ack}")


async def run_subject(
    prefix: str,
    amqp_uri: str,
    plans: dict[str, list[pb.SightingBatch]],
    rows: int,
    interval_s: float,
) -> tuple[float, list[float]]:
    settings = GatewaySettings(
        amqp_uri=amqp_uri,
        schema_prefix=prefix,
        grpc_port=free_port(),
        rate_limit_per_s=1e6,
        rate_limit_burst=1_000_000,
        login_rate_per_s=1e6,
        login_burst=1_000_000,
        rpc_timeout_s=30,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        platform = app.state.platform
        context = {"actor": actor_to_context(ADMIN)}
        credentials = {}
        for device in plans:
            await platform.rpc.call(
                "prevention",
                "register_device",
                {
                    "device_id": device,
                    "kind": "checkpoint",
                    "name": device,
                    "unit_id": "futian",
                    "location": POINT.model_dump(),
                },
                context=context,
            )
            issued = await platform.rpc.call(
                "prevention", "rotate_device_credential", device, context=context
            )
            credentials[device] = issued["credential"]
        counter = RowCounter(f"{prefix}data")
        counter.start()
        sent: dict[str, float] = {}
        started = time.perf_counter()
        await asyncio.gather(
            *(
                stream(app.state.grpc_port, credentials[d], plan, sent, interval_s)
                for d, plan in plans.items()
            )
        )
        while counter.latest() < rows:
            if time.perf_counter() - started > 900:
                raise SystemExit("the rows did not all land within 15 minutes")
            await asyncio.sleep(0.05)
        counter.stopped.set()
        counter.join()
        elapsed = counter.samples[-1][0] - started
    # a batch is visible once the count covers every batch sent before it and itself
    order = sorted(sent.items(), key=lambda kv: kv[1])
    size = rows // len(order)
    latencies = []
    samples = iter(counter.samples)
    moment, counted = next(samples)
    for position, (_, sent_at) in enumerate(order, start=1):
        while counted < position * size:
            moment, counted = next(samples)
        latencies.append(max(0.0, moment - sent_at))
    counter.engine.dispose()
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="sightings/s offered, spread over the devices (0: as fast as acknowledged)",
    )
    args = parser.parse_args()
    interval_s = args.batch * args.devices / args.rate if args.rate else 0.0
    per_device = args.rows // args.batch // args.devices
    rows = per_device * args.batch * args.devices
    plans = {
        f"cp-bench-{d:02d}": device_batches(
            f"cp-bench-{d:02d}", d * per_device, per_device, args.batch
        )
        for d in range(args.devices)
    }
    floor_prefix = new_schema_prefix()
    try:
        migrations.upgrade(settings_of("data").model_copy(update={"schema_prefix": floor_prefix}))
        events = [e for device, plan in plans.items() for e in as_events(device, plan)]
        floor_s = copy_floor(f"{floor_prefix}data", events)
    finally:
        drop_schemas(floor_prefix)

    prefix = new_schema_prefix()
    try:
        for service in SERVICES:
            migrations.upgrade(settings_of(service).model_copy(update={"schema_prefix": prefix}))
        with isolated_vhost("sp-bench") as vhost, contextlib.ExitStack() as stack:
            amqp_uri = amqp_uri_for(vhost)
            env = {"SP_LOG_LEVEL": "WARNING", "SP_TRACE_STORE_ENABLED": "false"}
            processes = [
                stack.enter_context(ServiceProcess(s, amqp_uri, prefix, **env)) for s in SERVICES
            ]
            for process in processes:
                process.wait_ready()
            elapsed, latencies = asyncio.run(run_subject(prefix, amqp_uri, plans, rows, interval_s))
    finally:
        drop_schemas(prefix)

    floor_rate, rate = rows / floor_s, rows / elapsed
    p50 = statistics.median(latencies)
    p99 = sorted(latencies)[max(0, int(len(latencies) * 0.99) - 1)]
    offered = f"{args.rate:,.0f}/s offered" if args.rate else "as fast as acknowledged"
    print(
        f"\n{rows:,} sightings from {args.devices} devices in batches of {args.batch:,}, "
        f"{offered}\n"
    )
    print(f"{'floor: raw COPY of the same rows':<60} {floor_rate:10,.0f} rows/s       floor")
    label = "gRPC stream → gateway → prevention → data rows"
    print(f"{label:<60} {rate:10,.0f} rows/s  {rate / floor_rate:5.2f}x")
    print(f"\ningest-to-visible per batch: p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
