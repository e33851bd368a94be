from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine, create_engine, insert, text

from chassis.context import actor_to_context
from chassis.testing.infra import DATABASE_URL
from contracts.actor import Actor
from services.data import store
from services.data.domain.sightings import cell_of
from services.data.service import DataService


@pytest.fixture
def data_db(schema_prefix: str, migrated_services: Callable[..., None]) -> Iterator[Engine]:
    migrated_services("data")
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema_prefix}data"}
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE sightings, incidents, incident_daily, vehicle_alerts, vehicles, places, "
                "vehicle_fines, vehicle_hotlist_entries, cases, case_vehicles, "
                "persons, authorisations, "
                "sweep_authorisations, "
                "sensitive_places, "
                "outbox, inbox, idempotency"
            )
        )
    store.forget_partitions()
    yield engine
    engine.dispose()


def plant(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert sightings directly (their day partitions made first)."""
    with engine.begin() as conn:
        for day in {r["seen_at"].date() for r in rows}:
            conn.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": day})
        conn.execute(insert(store.sightings), rows)


def row(plate: str, seen_at: datetime, lat: float = 22.5, lon: float = 114.0) -> dict[str, Any]:
    return {
        "sighting_id": uuid.uuid4(),
        "plate": plate,
        "device_id": "cp-1",
        "seen_at": seen_at,
        "lat": lat,
        "lon": lon,
        "cell": cell_of(lat, lon),
        "batch_id": "b",
    }


@pytest.fixture
def client(container_factory: Any, platform_config: dict[str, Any]) -> Any:
    container_factory(DataService).start()

    def as_actor(actor: Actor | None) -> ClusterRpcClient:
        context = {"actor": actor_to_context(actor)} if actor else {}
        return ClusterRpcClient(uri=platform_config["AMQP_URI"], context_data=context, timeout=15)

    return as_actor
