"""Isolated broker vhosts and database schemas for test runs (no eventlet needed)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from sqlalchemy import create_engine, text

from chassis.settings import ChassisSettings

DEFAULTS = ChassisSettings()
AMQP_URI = os.environ.get("SP_AMQP_URI", DEFAULTS.amqp_uri)
RABBIT_API_URI = os.environ.get("SP_RABBIT_API_URI", DEFAULTS.rabbit_api_uri)
DATABASE_URL = os.environ.get("SP_DATABASE_URL", DEFAULTS.database_url)


class RabbitAdmin:
    """The broker's management API, used by tests to make vhosts and to break connections."""

    def __init__(self, api_uri: str = RABBIT_API_URI) -> None:
        parts = urlsplit(api_uri)
        self.auth = (parts.username or "guest", parts.password or "guest")
        self.base = urlunsplit((parts.scheme, f"{parts.hostname}:{parts.port}", "/api", "", ""))
        self.session = requests.Session()
        self.session.auth = self.auth

    def _url(self, *segments: str) -> str:
        return "/".join([self.base, *(quote(s, safe="") for s in segments)])

    def create_vhost(self, vhost: str) -> None:
        self.session.put(self._url("vhosts", vhost), timeout=10).raise_for_status()
        self.session.put(
            self._url("permissions", vhost, self.auth[0]),
            json={"configure": ".*", "write": ".*", "read": ".*"},
            timeout=10,
        ).raise_for_status()

    def delete_vhost(self, vhost: str) -> None:
        self.session.delete(self._url("vhosts", vhost), timeout=30)

    def queue(self, vhost: str, name: str) -> dict:
        response = self.session.get(self._url("queues", vhost, name), timeout=10)
        response.raise_for_status()
        result: dict = response.json()
        return result

    def connections(self, vhost: str) -> list[dict]:
        response = self.session.get(self._url("vhosts", vhost, "connections"), timeout=10)
        response.raise_for_status()
        result: list[dict] = response.json()
        return result

    def close_connection(self, name: str) -> None:
        self.session.delete(
            self._url("connections", name),
            headers={"X-Reason": "closed by test"},
            timeout=10,
        ).raise_for_status()


def amqp_uri_for(vhost: str, base: str = AMQP_URI) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


@contextmanager
def isolated_vhost(prefix: str = "sp-test") -> Iterator[str]:
    admin = RabbitAdmin()
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    admin.create_vhost(vhost)
    try:
        yield vhost
    finally:
        admin.delete_vhost(vhost)


def new_schema_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}_"


def drop_schemas(prefix: str, database_url: str = DATABASE_URL) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            names = conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                {"p": prefix.replace("_", r"\_") + "%"},
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    finally:
        engine.dispose()
