"""The platform for end-to-end tests: every service the first flow needs (and a test-only
service) as subprocesses, the gateway in this process; real RabbitMQ and PostgreSQL, an isolated
vhost and schema prefix. The demo city's seeder seeds it, with a few test officers besides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace

from chassis import migrations
from chassis.discovery import settings_of
from chassis.testing.infra import amqp_uri_for, isolated_vhost
from chassis.testing.processes import ServiceProcess, free_port
from chassis.tracing import configure_tracing
from demo import seed as demo_seed
from gateway.app import create_app
from gateway.broker import connect
from gateway.rpc import RpcClient
from gateway.settings import GatewaySettings
from tests.support import routes

PASSWORD = "correct horse battery staple"
SECRET = "a department system's secret"
OFFICERS = {
    # id: (unit, roles)
    "o-futian": ("futian-1", ["officer"]),
    "o-futian-2": ("futian-1", ["officer"]),
    "o-nanshan": ("nanshan-1", ["officer"]),
    "o-admin": ("sz", ["admin"]),
    "o-auditor": ("sz", ["auditor"]),
    "o-operator": ("sz", ["operator"]),
}
SERVICE_ACCOUNTS = {"traffic-system": ("management", ["officer"])}


SERVICES = ("management", "prevention", "data", "warning", "citizen")


@dataclass
class Platform:
    amqp_uri: str
    vhost: str
    schema_prefix: str
    processes: dict[str, ServiceProcess]


@pytest.fixture(scope="session")
def platform(schema_prefix: str) -> Iterator[Platform]:
    with isolated_vhost("sp-gateway") as vhost:
        amqp_uri = amqp_uri_for(vhost)
        # this process plays the gateway: its spans go to the trace store like a real one's
        configure_tracing("gateway", trace_store_amqp_uri=amqp_uri, instrument_nameko=False)
        for service in SERVICES:
            migrations.upgrade(
                settings_of(service).model_copy(update={"schema_prefix": schema_prefix})
            )
        processes = {
            service: ServiceProcess(service, amqp_uri, schema_prefix).start()
            for service in SERVICES
        }
        processes["slowpoke"] = ServiceProcess(
            "tests.support.slowpoke:Slowpoke",
            amqp_uri,
            schema_prefix,
            SP_MAX_WORKERS="1",
            SP_PREFETCH_COUNT="10",
        ).start()
        try:
            for process in processes.values():
                process.wait_ready()
            asyncio.run(_seed(amqp_uri))
            yield Platform(amqp_uri, vhost, schema_prefix, processes)
        finally:
            trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
            for process in processes.values():
                process.stop()


async def _seed(amqp_uri: str) -> None:
    """The demo city in miniature, made through management's RPC interface."""
    connection = await connect(amqp_uri, "test-seed")
    rpc = RpcClient(default_timeout_s=30)
    await rpc.start(connection)
    try:
        await demo_seed.seed(rpc)
        for branch in ("futian", "nanshan"):  # the demo city has the branches already
            await rpc.call(
                "management",
                "create_unit",
                {"id": f"{branch}-1", "name": branch, "level": "station", "parent_id": branch},
            )
        for officer_id, (unit, roles) in OFFICERS.items():
            await rpc.call(
                "management",
                "create_officer",
                {
                    "id": officer_id,
                    "username": officer_id,
                    "display_name": f"Officer {officer_id}",
                    "unit_id": unit,
                    "roles": roles,
                    "password": PASSWORD,
                },
            )
        for client_id, (pillar, roles) in SERVICE_ACCOUNTS.items():
            await rpc.call(
                "management",
                "create_service_account",
                {"client_id": client_id, "pillar": pillar, "roles": roles, "client_secret": SECRET},
            )
    finally:
        await rpc.stop()
        await connection.close()


def gateway_settings(platform: Platform, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "amqp_uri": platform.amqp_uri,
        "schema_prefix": platform.schema_prefix,
        "grpc_port": free_port(),
        # generous limits unless a test is about the limits
        "rate_limit_per_s": 1000.0,
        "rate_limit_burst": 1000,
        "login_rate_per_s": 100.0,
        "login_burst": 100,
    }
    return GatewaySettings(**{**values, **overrides})


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient

    async def token(self, username: str) -> str:
        response = await self.client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": username, "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def service_token(self, client_id: str) -> str:
        response = await self.client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": SECRET,
            },
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


GatewayFactory = Callable[..., Any]


@pytest.fixture
async def gateway_factory(platform: Platform) -> AsyncIterator[GatewayFactory]:
    """`await gateway_factory(**settings)` starts a gateway app with the test routes."""
    stack: list[tuple[FastAPI, Any, httpx.AsyncClient]] = []

    async def start(**overrides: Any) -> Gateway:
        app = create_app(
            gateway_settings(platform, **overrides),
            extra_routers=[routes.router],
            customise=routes.add_rules,
        )
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        )
        stack.append((app, lifespan, client))
        verifier = app.state.platform.verifier
        for _ in range(200):  # identity (keys, revocations) loads in the background
            if verifier.jwks["keys"]:
                break
            await asyncio.sleep(0.05)
        return Gateway(app, client)

    yield start
    for _, lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def gateway(gateway_factory: GatewayFactory) -> Gateway:
    gw: Gateway = await gateway_factory()
    return gw
