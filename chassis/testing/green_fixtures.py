"""pytest fixtures for nameko integration tests (loaded by `chassis.testing.green_pytest`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from nameko import config as nameko_config

from chassis import migrations
from chassis.discovery import settings_of
from chassis.runtime import SETTINGS_OVERRIDES_KEY


@pytest.fixture
def test_vhost(rabbit_uri: str) -> str:
    """The per-test vhost that nameko's `rabbit_uri` fixture made (and deletes afterwards)."""
    return unquote(urlsplit(rabbit_uri).path.lstrip("/"))


@pytest.fixture
def settings_overrides(rabbit_uri: str, schema_prefix: str) -> dict[str, Any]:
    """Overrides applied to every service started in this test; tests may add to them."""
    return {
        "amqp_uri": rabbit_uri,
        "schema_prefix": schema_prefix,
        "http_port": 0,
        "outbox_poll_interval_s": 0.1,
        "event_retry_backoff_s": (0.05, 0.1, 0.2),
    }


@pytest.fixture
def platform_config(
    rabbit_uri: str, settings_overrides: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """nameko config for containers started by the test; use with `container_factory`."""
    values = {
        "AMQP_URI": rabbit_uri,
        "serializer": "json",
        SETTINGS_OVERRIDES_KEY: settings_overrides,
    }
    with nameko_config.patch(values, clear=True):
        yield values


@pytest.fixture(scope="session")
def migrated_services(schema_prefix: str) -> Callable[..., None]:
    """Call with service names to migrate their schemas (once per run) under the run's prefix."""
    done: set[str] = set()

    def migrate(*services: str) -> None:
        for service in services:
            if service not in done:
                settings = settings_of(service).model_copy(update={"schema_prefix": schema_prefix})
                migrations.upgrade(settings)
                done.add(service)

    return migrate
