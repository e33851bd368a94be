from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, text

from chassis.testing.infra import DATABASE_URL
from services.data import store


@pytest.fixture
def data_db(schema_prefix: str, migrated_services: Callable[..., None]) -> Iterator[Engine]:
    migrated_services("data")
    engine = create_engine(
        DATABASE_URL, connect_args={"options": f"-csearch_path={schema_prefix}data"}
    )
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE sightings, outbox, inbox, idempotency"))
    store.forget_partitions()
    yield engine
    engine.dispose()


def plant(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert sightings directly (their day partitions made first)."""
    with engine.begin() as conn:
        for day in {r["seen_at"].date() for r in rows}:
            conn.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": day})
        conn.execute(insert(store.sightings), rows)
