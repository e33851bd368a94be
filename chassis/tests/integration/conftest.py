from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine

from chassis.testing.infra import DATABASE_URL
from chassis.tests.integration.sample_services import create_sample_schemas, schema_engine
from chassis.tracing import add_span_processor, configure_tracing


@pytest.fixture(scope="session")
def sample_schemas(schema_prefix: str) -> str:
    create_sample_schemas(DATABASE_URL, schema_prefix)
    return schema_prefix


@pytest.fixture
def producer_db(sample_schemas: str) -> Iterator[Engine]:
    engine = schema_engine(DATABASE_URL, f"{sample_schemas}sample_producer")
    yield engine
    engine.dispose()


@pytest.fixture
def consumer_db(sample_schemas: str) -> Iterator[Engine]:
    engine = schema_engine(DATABASE_URL, f"{sample_schemas}sample_consumer")
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: Any, sample_schemas: str) -> None:
    """Each test starts from empty sample tables (schemas are shared across the run)."""
    from sqlalchemy import text

    engine = schema_engine(DATABASE_URL, "public")
    try:
        with engine.begin() as conn:
            for service in ("sample_producer", "sample_consumer"):
                schema = f"{sample_schemas}{service}"
                conn.execute(
                    text(
                        f'TRUNCATE "{schema}".outbox, "{schema}".inbox, "{schema}".idempotency, '
                        f'"{schema}".notes, "{schema}".seen, "{schema}".switches'
                    )
                )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def spans() -> Iterator[InMemorySpanExporter]:
    configure_tracing("chassis-tests", record_spans=True)
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
