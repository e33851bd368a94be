"""Seed the demo city through the services' RPC interfaces: `python -m demo.seed`.

Idempotent: what exists is left as it is. Waits for the services it needs, then prints the
gateway's addresses and the demo logins.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

import jwt

from chassis.context import actor_to_context
from contracts.actor import Actor, ActorKind, Purpose
from demo.city import CHECKPOINTS, DEMO_PASSWORD, HOTLIST, OFFICERS, UNITS
from gateway.broker import connect
from gateway.rpc import RemoteError, RpcClient
from gateway.settings import GatewaySettings

NEEDED = ("management", "prevention", "warning", "data")


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


async def wait_for_services(rpc: RpcClient, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    for service in NEEDED:
        while not await rpc.has_consumer(service):
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"{service} is not running; start the platform with `make run`")
            await asyncio.sleep(0.5)


async def main_async(wait_s: float) -> None:
    settings = GatewaySettings()
    connection = await connect(settings.amqp_uri, "demo-seed")
    rpc = RpcClient(default_timeout_s=30, consumer_check_ttl_s=0)
    await rpc.start(connection)
    try:
        await wait_for_services(rpc, wait_s)
        created = await seed(rpc)
    finally:
        await rpc.stop()
        await connection.close()
    base = f"http://{settings.http_host}:{settings.http_port}"
    print(
        f"""
  Demo city seeded ({", ".join(f"{n} new {k}" for k, n in created.items())}).

  Gateway   {base}/api/v1         OpenAPI docs  {base}/api/v1/docs
  gRPC      {settings.http_host}:{settings.grpc_port} (grpc.health.v1)
  Metrics   {base}/metrics and each service's ops port (8101-8106)

  Demo logins (password "{DEMO_PASSWORD}"):
"""
        + "\n".join(f"    {o.id:<10} {', '.join(o.roles):<12} {o.unit}" for o in OFFICERS)
        + "\n\n  Drive the first flow with `make demo` in another terminal.\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for services")
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args.wait))
    except RemoteError as exc:
        sys.exit(f"seeding failed: {exc.exc_type}: {exc.detail}")


if __name__ == "__main__":
    main()
