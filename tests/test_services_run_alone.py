"""Each of the six services runs alone as its own process, with metrics and health."""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from chassis import migrations
from chassis.discovery import settings_of
from chassis.testing.infra import RabbitAdmin, amqp_uri_for
from chassis.testing.polling import eventually
from chassis.testing.processes import ServiceProcess
from tests.test_migrations import SERVICES

CHASSIS_METRICS = {
    "sp_rpc_duration_seconds",
    "sp_events_published",
    "sp_events_unroutable",
    "sp_events_consumed",
    "sp_events_dead_lettered",
    "sp_outbox_backlog",
}


@pytest.fixture(scope="module")
def migrated_prefix(schema_prefix: str) -> str:
    for service in SERVICES:
        migrations.upgrade(settings_of(service).model_copy(update={"schema_prefix": schema_prefix}))
    return schema_prefix


def test_every_service_runs_alone_with_health_and_prometheus_metrics(
    vhost: str, migrated_prefix: str
) -> None:
    with ExitStack() as stack:
        processes = {
            service: stack.enter_context(
                ServiceProcess(service, amqp_uri_for(vhost), migrated_prefix)
            )
            for service in SERVICES
        }
        for service, process in processes.items():
            health = process.wait_ready()
            assert health["service"] == service
            assert health["ready"] is True
            assert health["checks"]["database"] == "ok"

            response = requests.get(f"{process.base_url}/metrics", timeout=5)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            families = {f.name for f in text_string_to_metric_families(response.text)}
            assert families >= CHASSIS_METRICS, (service, CHASSIS_METRICS - families)

            assert requests.get(f"{process.base_url}/healthz", timeout=5).json()["alive"]

        admin = RabbitAdmin()

        def consumers_of(queue_name: str) -> int:
            return int(admin.queue(vhost, queue_name).get("consumers", 0))

        for service in SERVICES:
            queue = admin.queue(vhost, f"rpc-{service}")
            assert queue["durable"] is True
            assert queue["arguments"] == {"x-queue-type": "classic"}
            # consumer counts appear once the broker has collected statistics
            eventually(
                partial(consumers_of, f"rpc-{service}"),
                timeout=20,
                what=f"{service} consuming its RPC queue",
            )


def test_readiness_fails_when_the_database_is_unreachable(vhost: str, migrated_prefix: str) -> None:
    unreachable = "postgresql+psycopg2://postgres:postgres@127.0.0.1:1/none"
    with ServiceProcess(
        "data", amqp_uri_for(vhost), migrated_prefix, SP_DATABASE_URL=unreachable
    ) as process:

        def readiness() -> tuple[int, dict] | None:
            try:
                response = requests.get(f"{process.base_url}/readyz", timeout=5)
            except requests.ConnectionError:
                return None
            return response.status_code, response.json()

        status, body = eventually(readiness, timeout=30, what="readiness answered")
        assert status == 503
        assert body["checks"]["database"] == "failing"
