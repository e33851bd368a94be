"""Each service's migrations run up and down on an empty schema, with their own version table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect

from chassis import migrations
from chassis.discovery import all_services, settings_of
from chassis.testing.infra import DATABASE_URL, drop_schemas, new_schema_prefix

SERVICES = ["citizen", "data", "investigation", "management", "prevention", "warning"]


def test_every_pillar_and_the_data_service_have_migrations() -> None:
    assert all_services() == SERVICES


@pytest.fixture
def empty_prefix() -> Iterator[str]:
    prefix = new_schema_prefix()
    yield prefix
    drop_schemas(prefix)


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_run_up_and_down_on_an_empty_schema(service: str, empty_prefix: str) -> None:
    settings = settings_of(service).model_copy(update={"schema_prefix": empty_prefix})
    schema = settings.db_schema
    engine = create_engine(DATABASE_URL)
    try:
        migrations.upgrade(settings)
        tables = set(inspect(engine).get_table_names(schema=schema))
        assert {"alembic_version", "outbox", "inbox", "idempotency"} <= tables

        migrations.downgrade(settings)
        assert set(inspect(engine).get_table_names(schema=schema)) == {"alembic_version"}

        migrations.upgrade(settings)  # and up again: downgrade left nothing behind
        assert "outbox" in inspect(engine).get_table_names(schema=schema)
    finally:
        engine.dispose()
