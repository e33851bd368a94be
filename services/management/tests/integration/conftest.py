from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, create_engine, text

from chassis.context import actor_to_context
from chassis.testing.infra import DATABASE_URL
from contracts.actor import Actor
from services.management.service import ManagementService

MANAGEMENT_TABLES = (
    "units, officers, service_accounts, signing_keys, revoked_tokens, ledger_details, "
    "ledger_tree_heads, ledger_signing_keys, spans, outbox, inbox, idempotency, "
    "station_shifts, officer_leave, roster_assignments, oversight_cases, patrol_units, "
    "dispatch_tasks, incident_counts, case_facts"
)


@pytest.fixture
def management_db(schema_prefix: str, migrated_services: Callable[..., None]) -> Iterator[Engine]:
    migrated_services("management")
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema_prefix}management"}
    )
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {MANAGEMENT_TABLES} CASCADE"))
        # the ledger refuses truncation; a test run starts it empty by switching triggers off
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM ledger_entries"))
    yield engine
    engine.dispose()


@pytest.fixture
def witness_path(tmp_path: Path, settings_overrides: dict[str, Any]) -> Path:
    path = tmp_path / "ledger-witness.jsonl"
    settings_overrides["ledger_witness_path"] = str(path)
    return path


@pytest.fixture
def management(
    container_factory: Any,
    platform_config: dict[str, Any],
    management_db: Engine,
    witness_path: Path,
) -> Any:
    container = container_factory(ManagementService)
    container.start()
    return container


@pytest.fixture
def call(platform_config: dict[str, Any], management: Any) -> Iterator[Callable[..., Any]]:
    """`call(actor)` gives a management RPC proxy acting as `actor` (or as nobody)."""
    clients: list[ClusterRpcClient] = []

    def proxy(actor: Actor | None = None) -> Any:
        context = {"actor": actor_to_context(actor)} if actor else {}
        client = ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context, timeout=15)
        clients.append(client)
        return client.start().management

    yield proxy
    for client in clients:
        client.stop()
