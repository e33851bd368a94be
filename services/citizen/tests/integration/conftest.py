from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, create_engine, text

from chassis.context import actor_to_context
from chassis.testing.infra import DATABASE_URL
from contracts.actor import Actor
from services.citizen.service import CitizenService
from services.citizen.store import metadata

CHASSIS_TABLES = ("outbox", "inbox", "idempotency")


@pytest.fixture
def citizen_db(schema_prefix: str, migrated_services: Callable[..., None]) -> Iterator[Engine]:
    migrated_services("citizen")
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema_prefix}citizen"}
    )
    tables = ", ".join([*CHASSIS_TABLES, *(t.name for t in metadata.sorted_tables)])
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def citizen(container_factory: Any, platform_config: dict[str, Any], citizen_db: Engine) -> Any:
    container = container_factory(CitizenService)
    container.start()
    return container


@pytest.fixture
def call(platform_config: dict[str, Any], citizen: Any) -> Iterator[Callable[..., Any]]:
    """`call(actor)` gives a citizen-service RPC proxy acting as `actor` (or as nobody)."""
    clients: list[ClusterRpcClient] = []

    def proxy(actor: Actor | None = None) -> Any:
        context = {"actor": actor_to_context(actor)} if actor else {}
        client = ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context, timeout=15)
        clients.append(client)
        return client.start().citizen

    yield proxy
    for client in clients:
        client.stop()
