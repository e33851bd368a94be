"""The database driver must not block the eventlet hub (DESIGN.md, runtime facts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nameko.standalone.rpc import ClusterRpcClient

from chassis.tests.integration.sample_services import SampleProducer


def test_two_concurrent_database_sleeps_in_one_service_overlap(
    container_factory: Any, platform_config: dict[str, Any], sample_schemas: str
) -> None:
    container = container_factory(SampleProducer)
    container.start()

    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10) as client:
        first = client.sample_producer.sleep_in_db.call_async(0.5)
        second = client.sample_producer.sleep_in_db.call_async(0.5)
        intervals = [
            tuple(datetime.fromisoformat(t) for t in reply.result()) for reply in (first, second)
        ]

    (start_a, end_a), (start_b, end_b) = intervals
    # a blocked hub would run them one after the other: the second would start after the first ended
    assert max(start_a, start_b) < min(end_a, end_b), intervals
