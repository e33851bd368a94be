"""Per-service Alembic migrations: each service's schema has its own version table.

A service's `migrations/env.py` is two lines that call `run_migrations_from_env()`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config

from chassis.db import checked_schema, ensure_schema, make_engine
from chassis.discovery import SERVICES_DIR
from chassis.settings import ChassisSettings


def migrations_dir(service_name: str) -> Path:
    return SERVICES_DIR / service_name / "migrations"


def alembic_config(settings: ChassisSettings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(settings.service_name)))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: ChassisSettings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: ChassisSettings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings), revision)


def run_migrations_from_env() -> None:
    settings: ChassisSettings = context.config.attributes["settings"]
    schema = checked_schema(settings.db_schema)
    engine = make_engine(settings, pooled=False)
    ensure_schema(engine, schema)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                version_table="alembic_version",
                version_table_schema=schema,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()
