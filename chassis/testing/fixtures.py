"""pytest fixtures shared by every test tier (no eventlet here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chassis.testing.infra import drop_schemas, new_schema_prefix


@pytest.fixture(scope="session")
def schema_prefix() -> Iterator[str]:
    """A schema prefix for this test run; every schema made under it is dropped at the end."""
    prefix = new_schema_prefix()
    yield prefix
    drop_schemas(prefix)
