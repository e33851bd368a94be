"""Gateway HTTP → RPC → service round trip at 20 concurrent clients, beside its floor.

    .venv/bin/python -m bench.gateway_roundtrip [--seconds 10] [--concurrency 20]

HTTP load comes from wrk when it is installed (`apt-get install wrk`), else from httpx, which
costs the machine as much CPU as the gateway itself and so understates it.
The floor is a bare asyncio AMQP client (the gateway's own RPC client, no HTTP, no auth, no
audit) calling the same service method with the same number of calls in flight, measured in
the same run before and after the gateway phases. The gateway phases run with authentication,
authorisation, rate limiting and the fail-closed audit record on; once with tracing off and once
with spans exported to the trace store. Everything runs on this machine: a private vhost and
schema prefix, management and the gateway as their own processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import httpx

from bench.harness import Result, mean_floor, measure
from chassis import migrations
from chassis.context import actor_to_context
from chassis.discovery import settings_of
from chassis.testing.infra import amqp_uri_for, drop_schemas, isolated_vhost, new_schema_prefix
from chassis.testing.processes import ServiceProcess, free_port
from contracts.actor import Actor, ActorKind, Purpose
from gateway.broker import connect
from gateway.rpc import RpcClient

PASSWORD = "benchmark pass phrase"
OFFICER = "bench.officer"
ACTOR = Actor(
    kind=ActorKind.OFFICER,
    id=OFFICER,
    unit="bench-1",
    scope="bench/bench-b",
    roles=("officer",),
    purpose=Purpose.PATROL_AND_PREVENTION,
)


async def seed(rpc: RpcClient) -> None:
    await rpc.call("management", "create_unit", {"id": "bench", "name": "B", "level": "city"})
    await rpc.call(
        "management",
        "create_unit",
        {"id": "bench-b", "name": "B", "level": "branch", "parent_id": "bench"},
    )
    await rpc.call(
        "management",
        "create_unit",
        {"id": "bench-1", "name": "B", "level": "station", "parent_id": "bench-b"},
    )
    await rpc.call(
        "management",
        "create_officer",
        {
            "id": OFFICER,
            "username": OFFICER,
            "display_name": "Bench",
            "unit_id": "bench-1",
            "roles": ["officer"],
            "password": PASSWORD,
        },
    )


def start_gateway(
    amqp_uri: str, prefix: str, tracing: bool, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "SP_AMQP_URI": amqp_uri,
        "SP_SCHEMA_PREFIX": prefix,
        "SP_HTTP_PORT": str(port),
        "SP_GRPC_PORT": str(free_port()),
        "SP_TRACE_STORE_ENABLED": "true" if tracing else "false",
        "SP_RATE_LIMIT_PER_S": "100000",
        "SP_RATE_LIMIT_BURST": "100000",
        "SP_LOG_LEVEL": "WARNING",
        "SP_WORKERS": str(workers),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gateway did not start")


async def floor_phase(amqp_uri: str, name: str, concurrency: int, seconds: float) -> Result:
    connection = await connect(amqp_uri, "bench-floor")
    rpc = RpcClient(default_timeout_s=30)
    await rpc.start(connection)
    context = {"actor": actor_to_context(ACTOR)}
    try:
        return await measure(
            name,
            lambda: rpc.call("management", "get_officer", OFFICER, context=context),
            concurrency=concurrency,
            seconds=seconds,
        )
    finally:
        await rpc.stop()
        await connection.close()


def wrk_phase(url: str, token: str, name: str, concurrency: int, seconds: float) -> Result:
    """Load from wrk (C, one thread): a Python HTTP client would eat the CPU it measures."""

    def wrk(duration_s: int) -> str:
        return subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{duration_s}s",
                "--latency",
                "-H",
                f"Authorization: Bearer {token}",
                "-H",
                "X-Purpose: patrol_and_prevention",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    wrk(2)  # warm-up, not counted: connections, caches, first batches
    output = wrk(int(seconds))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def latency(percent: str) -> float:
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(rate * seconds)
    return Result(
        name,
        requests,
        int(errors.group(1)) if errors else 0,
        seconds,
        [],
        known_percentiles=((50, latency("50")), (99, latency("99"))),
    )


async def gateway_phase(base: str, name: str, concurrency: int, seconds: float) -> Result:
    if shutil.which("wrk"):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            token = (
                await client.post(
                    "/api/v1/auth/token",
                    data={"grant_type": "password", "username": OFFICER, "password": PASSWORD},
                )
            ).json()
        return await asyncio.to_thread(
            wrk_phase,
            f"{base}/api/v1/management/officers/{OFFICER}",
            token["access_token"],
            name + " [wrk]",
            concurrency,
            seconds,
        )
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        token = (
            await client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": OFFICER, "password": PASSWORD},
            )
        ).json()
        headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "X-Purpose": "patrol_and_prevention",
        }

        async def call() -> Any:
            response = await client.get(f"/api/v1/management/officers/{OFFICER}", headers=headers)
            response.raise_for_status()

        return await measure(name, call, concurrency=concurrency, seconds=seconds)


async def run(seconds: float, concurrency: int) -> None:
    prefix = new_schema_prefix()
    with isolated_vhost("sp-bench") as vhost:
        amqp_uri = amqp_uri_for(vhost)
        migrations.upgrade(settings_of("management").model_copy(update={"schema_prefix": prefix}))
        management = ServiceProcess(
            "management",
            amqp_uri,
            prefix,
            SP_MAX_WORKERS="40",
            SP_PREFETCH_COUNT="40",
            SP_LOG_LEVEL="WARNING",
            SP_TRACE_STORE_ENABLED="false",
        ).start()
        try:
            management.wait_ready()
            connection = await connect(amqp_uri, "bench-seed")
            rpc = RpcClient(default_timeout_s=30)
            await rpc.start(connection)
            await seed(rpc)
            await rpc.stop()
            await connection.close()

            floors = [
                await floor_phase(
                    amqp_uri, "floor: bare asyncio AMQP client (before)", concurrency, seconds
                )
            ]
            results = []
            for tracing, workers in ((False, 1), (True, 1), (False, 2)):
                process, base = start_gateway(amqp_uri, prefix, tracing, workers)
                try:
                    label = "gateway: auth + audit, tracing " + ("on" if tracing else "off")
                    label += f", {workers} worker" + ("s" if workers > 1 else "")
                    results.append(await gateway_phase(base, label, concurrency, seconds))
                finally:
                    process.terminate()
                    process.wait(timeout=10)
            floors.append(
                await floor_phase(
                    amqp_uri, "floor: bare asyncio AMQP client (after)", concurrency, seconds
                )
            )
        finally:
            management.stop()
            drop_schemas(prefix)
    floor = mean_floor("floor: bare asyncio AMQP client (mean)", *floors)
    print(
        f"\nGET /api/v1/management/officers/{{id}} → management.get_officer, "
        f"{concurrency} concurrent, {seconds:g} s per phase, {os.cpu_count()} cores\n"
    )
    for result in floors:
        print(result.line())
    print(floor.line())
    for result in results:
        print(result.line(floor))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
