from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, create_engine, text

from chassis.context import actor_to_context
from chassis.testing.infra import DATABASE_URL
from contracts.actor import Actor
from services.prevention.service import PreventionService
from services.prevention.store import metadata

CHASSIS_TABLES = ("outbox", "inbox", "idempotency")


@pytest.fixture
def prevention_db(schema_prefix: str, migrated_services: Callable[..., None]) -> Iterator[Engine]:
    migrated_services("prevention")
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema_prefix}prevention"}
    )
    tables = ", ".join([*CHASSIS_TABLES, *(t.name for t in metadata.sorted_tables)])
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def prevention(
    container_factory: Any, platform_config: dict[str, Any], prevention_db: Engine
) -> Any:
    container = container_factory(PreventionService)
    container.start()
    return container


@pytest.fixture
def call(platform_config: dict[str, Any], prevention: Any) -> Iterator[Callable[..., Any]]:
    """`call(actor)` gives a prevention-service RPC proxy acting as `actor` (or as nobody)."""
    clients: list[ClusterRpcClient] = []

    def proxy(actor: Actor | None = None) -> Any:
        context = {"actor": actor_to_context(actor)} if actor else {}
        client = ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context, timeout=15)
        clients.append(client)
        return client.start().prevention

    yield proxy
    for client in clients:
        client.stop()
