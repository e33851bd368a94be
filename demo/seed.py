"""Seed the demo city through the services' RPC interfaces: `python -m demo.seed`.

Idempotent: what exists is left as it is. Waits for the services it needs, seeds the demo's own
units, officers, checkpoints and hotlist (`seed`), then the generated city around them
(`seed_city`: districts, towns and their stations, persons, vehicles, incidents, places,
checkpoints), then prints the gateway's addresses and the demo logins.

`--scale N` then publishes N generated checkpoint sightings as `prevention.sighting.recorded.v1`
events, as prevention's outbox relay would, for the data service to ingest: a benchmark's load.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aio_pika
import jwt
from aio_pika.abc import AbstractRobustConnection
from aio_pika.exceptions import ChannelClosed

from chassis.context import actor_to_context
from chassis.outbox import build_envelope, encode_envelope
from chassis.queues import EVENTS_EXCHANGE, consumer_queue_name
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind, Purpose
from contracts.sightings import MAX_BATCH_ROWS, SIGHTING_RECORDED
from demo.city import CHECKPOINTS, DEMO_PASSWORD, HOTLIST, OFFICERS, UNITS
from demo.generator import DEFAULT_SEED, LOCAL_TIME_ZONE, City, generate_city, sighting_batches
from gateway.broker import connect
from gateway.rpc import RemoteError, RpcClient
from gateway.settings import GatewaySettings

NEEDED = ("management", "prevention", "warning", "data", "citizen")
#: calls in flight at once: enough to keep a service's workers busy, few enough not to time out
#: waiting behind each other in its queue
CONCURRENT_CALLS = 32
#: how long a service seen running is believed to be, once the seeder has waited for it
CONSUMER_CHECK_TTL_S = 5.0
#: the most incidents `record_incidents` takes in one call
INCIDENTS_PER_CALL = 5_000
#: sighting events awaiting the broker's confirm at once
UNCONFIRMED_EVENTS = 32
#: the data service's queue of sighting events, watched while it drains
SIGHTINGS_QUEUE = consumer_queue_name("data", "store_sightings")
FOLLOW_INTERVAL_S = 2.0
#: a queue that has not moved for this long has no one taking from it
INGESTION_STALL_S = 60.0


async def _create(rpc: RpcClient, service: str, method: str, *args: object, **kw: object) -> bool:
    """Call a create method; an existing object (Conflict) counts as done."""
    try:
        await rpc.call(service, method, *args, **kw)  # type: ignore[arg-type]
        return True
    except RemoteError as exc:
        if exc.exc_type == "Conflict":
            return False
        raise


async def acting_officer(
    rpc: RpcClient, officer_id: str, purpose: Purpose, case_id: str | None
) -> Actor:
    """The actor of a demo officer exactly as their token describes them (unit, scope)."""
    grant = await rpc.call(
        "management", "issue_officer_token", {"username": officer_id, "password": DEMO_PASSWORD}
    )
    claims = jwt.decode(grant["access_token"], options={"verify_signature": False})
    return Actor(
        kind=ActorKind.OFFICER,
        id=claims["sub"],
        unit=claims.get("unit"),
        scope=claims.get("scope"),
        roles=tuple(claims["roles"]),
        purpose=purpose,
        case_id=case_id,
    )


async def seed(rpc: RpcClient) -> dict[str, int]:
    created = {"units": 0, "officers": 0, "devices": 0, "hotlist": 0}
    for unit_id, name, level, parent in UNITS:
        unit: dict[str, str | None] = {
            "id": unit_id,
            "name": name,
            "level": level,
            "parent_id": parent,
        }
        created["units"] += await _create(rpc, "management", "create_unit", unit)
    for officer in OFFICERS:
        record = {
            "id": officer.id,
            "username": officer.id,
            "display_name": officer.name,
            "unit_id": officer.unit,
            "roles": list(officer.roles),
            "password": DEMO_PASSWORD,
        }
        created["officers"] += await _create(rpc, "management", "create_officer", record)
    for device_id, name, owner, lat, lon in CHECKPOINTS:
        device = {
            "device_id": device_id,
            "kind": "checkpoint",
            "name": name,
            "unit_id": owner,
            "location": {"lat": lat, "lon": lon},
        }
        created["devices"] += await _create(rpc, "prevention", "register_device", device)
    for plate, reason, case_id, officer_id in HOTLIST:
        actor = await acting_officer(rpc, officer_id, Purpose.CRIMINAL_INVESTIGATION, case_id)
        entry = {
            "plate": plate,
            "reason": reason,
            "case_id": case_id,
            "expires_at": (datetime.now(UTC) + timedelta(days=365)).isoformat(),
        }
        await rpc.call(
            "warning",
            "add_hotlist_entry",
            entry,
            f"demo-seed-{case_id}",
            context={"actor": actor_to_context(actor)},
        )
        created["hotlist"] += 1
    return created


async def _create_all(
    rpc: RpcClient,
    service: str,
    method: str,
    items: Sequence[dict[str, Any]],
    context: dict[str, Any] | None = None,
) -> int:
    """Create each item, `CONCURRENT_CALLS` at a time; returns how many were new."""
    created = 0
    for start in range(0, len(items), CONCURRENT_CALLS):
        group = items[start : start + CONCURRENT_CALLS]
        done = await asyncio.gather(
            *(_create(rpc, service, method, item, context=context) for item in group)
        )
        created += sum(done)
    return created


async def seed_city(rpc: RpcClient, city: City) -> dict[str, int]:
    """Create the generated city; what exists already is left as it is.

    The generated checkpoints come last, and the last of them alone: finding it tells a rerun
    that everything before it was made, which spares it thousands of calls that would each be
    refused as a Conflict (and logged as one by the service).
    """
    admin = await acting_officer(rpc, "admin", Purpose.SYSTEM_OPERATIONS, None)
    as_admin = {"actor": actor_to_context(admin)}
    created = dict.fromkeys(
        ("units", "checkpoints", "persons", "vehicles", "incidents", "places"), 0
    )
    # a unit's parent must exist before it: the city, then the branches, then the stations
    for level in ("city", "branch", "station"):
        units = [u for u in city.units if u["level"] == level]
        created["units"] += await _create_all(rpc, "management", "create_unit", units)
    devices = {d["device_id"] for d in await rpc.call("prevention", "list_devices")}
    if city.checkpoints[-1]["device_id"] in devices:
        return created
    created["persons"] = await _create_all(rpc, "data", "register_person", city.persons, as_admin)
    # after the persons: a vehicle's owner must exist
    created["vehicles"] = await _create_all(
        rpc, "data", "register_vehicle", city.vehicles, as_admin
    )
    # one call at a time: concurrent calls would add to the same daily counts and wait on
    # each other's locks
    for start in range(0, len(city.incidents), INCIDENTS_PER_CALL):
        chunk = list(city.incidents[start : start + INCIDENTS_PER_CALL])
        result = await rpc.call("data", "record_incidents", chunk, context=as_admin)
        created["incidents"] += int(result["recorded"])
    created["places"] = await _create_all(rpc, "data", "register_place", city.places, as_admin)
    *others, last = [c for c in city.checkpoints if c["device_id"] not in devices]
    created["checkpoints"] = await _create_all(rpc, "prevention", "register_device", others)
    created["checkpoints"] += await _create(rpc, "prevention", "register_device", last)
    return created


async def publish_sightings(
    connection: AbstractRobustConnection,
    city: City,
    count: int,
    days: float,
    batch_rows: int,
    seed: int,
) -> None:
    """Publish `count` generated sightings as prevention's outbox relay publishes them: each
    batch one `prevention.sighting.recorded.v1` envelope, persistent, on the events exchange
    with its type as routing key, `mandatory` and confirmed by the broker."""
    channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    exchange = await channel.declare_exchange(
        EVENTS_EXCHANGE.name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    started = time.perf_counter()
    published = 0
    reported = started
    in_flight: dict[asyncio.Task[Any], int] = {}

    async def settle() -> None:
        nonlocal published
        done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        for confirm in done:
            confirm.result()  # an unroutable or refused event stops the run
            published += in_flight.pop(confirm)

    try:
        for payload in sighting_batches(
            city, count, datetime.now(UTC), days=days, batch_rows=batch_rows, seed=seed
        ):
            envelope = build_envelope(
                event_type=SIGHTING_RECORDED,
                payload=payload,
                producer="prevention",
                actor=SYSTEM_ACTOR,
                traceparent=None,
            )
            message = aio_pika.Message(
                encode_envelope(envelope),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(envelope.event_id),
                type=envelope.type,
            )
            confirm = asyncio.create_task(
                exchange.publish(message, routing_key=envelope.type, mandatory=True, timeout=60)
            )
            in_flight[confirm] = len(payload["sightings"])
            if len(in_flight) >= UNCONFIRMED_EVENTS:
                await settle()
            if time.perf_counter() - reported >= 2:
                reported = time.perf_counter()
                _progress("published", published, count, reported - started)
        while in_flight:
            await settle()
    finally:
        for unsettled in in_flight:
            unsettled.cancel()
        await channel.close()
    elapsed = time.perf_counter() - started
    print(
        f"  published {published:,} sightings in {elapsed:.1f} s "
        f"({published / max(elapsed, 1e-9):,.0f} sightings/s)",
        flush=True,
    )


def _progress(what: str, done: int, total: int, elapsed: float) -> None:
    print(
        f"  {what} {done:,} of {total:,} sightings ({done / max(elapsed, 1e-9):,.0f}/s)",
        flush=True,
    )


async def follow_ingestion(connection: AbstractRobustConnection, started: float) -> None:
    """Wait until the data service has taken every sighting event off its queue, or has taken
    none for `INGESTION_STALL_S`."""
    waiting_before, progressed_at = -1, time.perf_counter()
    while True:
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue(SIGHTINGS_QUEUE, passive=True)
            waiting = queue.declaration_result.message_count or 0
        except ChannelClosed:
            print(f"  no queue {SIGHTINGS_QUEUE}: is the data service running?", flush=True)
            return
        finally:
            if not channel.is_closed:
                await channel.close()
        if not waiting:
            break
        if waiting != waiting_before:
            waiting_before, progressed_at = waiting, time.perf_counter()
        elif time.perf_counter() - progressed_at > INGESTION_STALL_S:
            print(
                f"  the data service has taken none of the {waiting:,} events left for "
                f"{INGESTION_STALL_S:g} s: see its log",
                flush=True,
            )
            return
        print(f"  the data service has {waiting:,} sighting events still to take", flush=True)
        await asyncio.sleep(FOLLOW_INTERVAL_S)
    print(
        f"  the data service took every event {time.perf_counter() - started:.1f} s after "
        "the first was published (the last few may still be committing)",
        flush=True,
    )


async def wait_for_services(rpc: RpcClient, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    for service in NEEDED:
        while not await rpc.has_consumer(service):
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"{service} is not running; start the platform with `make run`")
            await asyncio.sleep(0.5)


#: the demo halls (made by the citizen service's migrations) and the services they open slots
#: for, the next two weeks
DEMO_OFFICES = ("office-futian", "office-nanshan")
DEMO_SLOT_DAYS = 14


async def seed_appointment_slots(rpc: RpcClient, today: date) -> int:
    """Bookable slots in the demo halls for the first few service types; a rerun makes none."""
    admin = await acting_officer(rpc, "admin", Purpose.SYSTEM_OPERATIONS, None)
    as_admin = {"actor": actor_to_context(admin)}
    catalogue = await rpc.call("citizen", "list_service_types", {"limit": 6})
    generation = {
        "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=DEMO_SLOT_DAYS - 1)).isoformat(),
        "service_codes": [t["code"] for t in catalogue["items"]],
        "slot_minutes": 30,
        "capacity": 4,
    }
    made = 0
    for office_id in DEMO_OFFICES:
        result = await rpc.call(
            "citizen", "generate_slots", office_id, generation, context=as_admin
        )
        made += int(result["created"])
    return made


async def main_async(
    wait_s: float, city_seed: int, scale: int, scale_days: float, batch: int
) -> None:
    settings = GatewaySettings()
    connection = await connect(settings.amqp_uri, "demo-seed")
    rpc = RpcClient(default_timeout_s=30, consumer_check_ttl_s=0)
    await rpc.start(connection)
    try:
        await wait_for_services(rpc, wait_s)
        # the wait wanted every consumer check fresh; from here on a check per call would cost
        # a channel each and queue the concurrent calls behind one another
        rpc.consumer_check_ttl_s = CONSUMER_CHECK_TTL_S
        print("  Seeding the demo city…", flush=True)
        started = time.perf_counter()
        created = await seed(rpc)
        city = generate_city(datetime.now(UTC), seed=city_seed)
        city_created = await seed_city(rpc, city)
        slots = await seed_appointment_slots(rpc, datetime.now(LOCAL_TIME_ZONE).date())
        print(
            f"""
  Demo city seeded in {time.perf_counter() - started:.1f} s.
    demo facts: {", ".join(f"{n} new {k}" for k, n in created.items())}
    generated:  {_counts(city, city_created)}
    appointments: {slots:,} new bookable slots in {", ".join(DEMO_OFFICES)}""",
            flush=True,
        )
        if scale:
            print(f"\n  Publishing {scale:,} sightings over {scale_days:g} days:", flush=True)
            published_at = time.perf_counter()
            await publish_sightings(connection, city, scale, scale_days, batch, city_seed)
            await follow_ingestion(connection, published_at)
    finally:
        await rpc.stop()
        await connection.close()
    base = f"http://{settings.http_host}:{settings.http_port}"
    print(
        f"""
  Gateway   {base}/api/v1         OpenAPI docs  {base}/api/v1/docs
  gRPC      {settings.http_host}:{settings.grpc_port} (grpc.health.v1)
  Metrics   {base}/metrics and each service's ops port (8101-8106)

  Demo logins (password "{DEMO_PASSWORD}"):
"""
        + "\n".join(f"    {o.id:<10} {', '.join(o.roles):<12} {o.unit}" for o in OFFICERS)
        + "\n\n  Drive the first flow with `make demo` in another terminal.\n",
        flush=True,
    )


def _counts(city: City, created: dict[str, int]) -> str:
    totals = {
        "units": len(city.units),
        "checkpoints": len(city.checkpoints),
        "persons": len(city.persons),
        "vehicles": len(city.vehicles),
        "incidents": len(city.incidents),
        "places": len(city.places),
    }
    return ", ".join(f"{totals[k]:,} {k} ({created[k]:,} new)" for k in totals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for services")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated city")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="then publish N generated sightings for the data service to ingest",
    )
    parser.add_argument(
        "--scale-days", type=float, default=30.0, help="days before now the sightings spread over"
    )
    parser.add_argument(
        "--scale-batch",
        type=int,
        # prevention announces one batch per event, and a batch is at most this many
        default=MAX_BATCH_ROWS,
        help=f"sightings per event (at most {MAX_BATCH_ROWS:,})",
    )
    args = parser.parse_args(argv)
    if args.scale < 0 or args.scale_days <= 0 or not 0 < args.scale_batch <= MAX_BATCH_ROWS:
        parser.error(
            f"--scale must not be negative, --scale-days must be positive, and --scale-batch "
            f"between 1 and {MAX_BATCH_ROWS:,}"
        )
    return args


def main() -> None:
    args = parse_args()
    try:
        asyncio.run(main_async(args.wait, args.seed, args.scale, args.scale_days, args.scale_batch))
    except RemoteError as exc:
        sys.exit(f"seeding failed: {exc.exc_type}: {exc.detail}")


if __name__ == "__main__":
    main()
