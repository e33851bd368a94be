"""Small probes shared by the chassis integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import requests
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select, text

from chassis.entrypoints import PlatformHttp
from chassis.tables import inbox, outbox
from chassis.testing.infra import DATABASE_URL, RabbitAdmin
from chassis.tests.integration.sample_services import seen


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def seen_count(engine: Engine, event_id: Any = None) -> int:
    return count(engine, seen, *([seen.c.event_id == event_id] if event_id else []))


def inbox_count(engine: Engine) -> int:
    return count(engine, inbox)


def outbox_statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox.c.status).order_by(outbox.c.id)).scalars())


def set_switch(engine: Engine, name: str, broken: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO switches (name, broken) VALUES (:n, :b) "
                "ON CONFLICT (name) DO UPDATE SET broken = :b"
            ),
            {"n": name, "b": broken},
        )


def switch_on(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(text("SELECT broken FROM switches WHERE name = :n"), {"n": name}).scalar()
        )


def queue_messages(amqp_uri: str, queue: str) -> int:
    """Messages in a queue, ready or not yet acknowledged (a passive declare counts ready
    ones; call it with no consumer attached so unacknowledged ones are back)."""
    with Connection(amqp_uri) as connection:
        return int(connection.default_channel.queue_declare(queue, passive=True).message_count)


def http_port(container: Any) -> int:
    for entrypoint in container.entrypoints:
        if isinstance(entrypoint, PlatformHttp):
            return int(entrypoint.server.port)
    raise AssertionError("container has no HTTP entrypoint")


def scrape(container: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse the container's /metrics as Prometheus text format into {(name, labels): value}."""
    response = requests.get(f"http://127.0.0.1:{http_port(container)}/metrics", timeout=5)
    response.raise_for_status()
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def metric(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def queue_has_consumer(vhost: str, queue: str) -> bool:
    try:
        return RabbitAdmin().queue(vhost, queue).get("consumers", 0) > 0
    except requests.HTTPError:
        return False


def start_service_process(target: str, amqp_uri: str, schema_prefix: str, **env: str) -> Any:
    environment = {
        **os.environ,
        "SP_AMQP_URI": amqp_uri,
        "SP_SCHEMA_PREFIX": schema_prefix,
        "SP_DATABASE_URL": DATABASE_URL,
        "SP_HTTP_PORT": "0",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "chassis.run", target],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
