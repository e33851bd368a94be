from __future__ import annotations

import pytest

from chassis import queues
from chassis.db import checked_schema
from chassis.settings import ChassisSettings, QueueType


def test_retry_delay_follows_the_backoff_and_repeats_its_last_step() -> None:
    settings = ChassisSettings(event_retry_backoff_s=(0.5, 2.0))
    assert [settings.retry_delay_s(n) for n in (1, 2, 3, 9)] == [0.5, 2.0, 2.0, 2.0]


def test_schema_name_carries_the_test_prefix() -> None:
    assert ChassisSettings(service_name="data", schema_prefix="t1_").db_schema == "t1_data"


@pytest.mark.parametrize("name", ["Data", "a-b", 'x"; drop', "", "1abc"])
def test_schema_names_must_be_plain_identifiers(name: str) -> None:
    with pytest.raises(ValueError):
        checked_schema(name)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("SP_EVENT_MAX_RETRIES", "5")
    settings = ChassisSettings()
    assert settings.queue_type is QueueType.QUORUM
    assert settings.event_max_retries == 5


def test_consumer_queue_dead_letters_to_its_own_dead_queue() -> None:
    work = queues.consumer_queue("data", "on_x", ("a.b.c.v1",), QueueType.QUORUM)
    assert work.durable
    assert work.queue_arguments == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "platform.dead-letter",
        "x-dead-letter-routing-key": "evt.data.on_x",
    }
    assert [b.routing_key for b in work.bindings] == ["a.b.c.v1"]
    dead = queues.dead_queue(work.name, QueueType.QUORUM)
    assert dead.name == "evt.data.on_x.dead"
    assert dead.routing_key == work.name


def test_retry_queue_returns_expired_messages_to_the_work_queue() -> None:
    retry = queues.retry_queue("evt.data.on_x", QueueType.CLASSIC)
    assert retry.queue_arguments["x-dead-letter-exchange"] == ""
    assert retry.queue_arguments["x-dead-letter-routing-key"] == "evt.data.on_x"


def test_rpc_queue_is_durable_and_typed() -> None:
    queue = queues.rpc_queue("data", QueueType.QUORUM)
    assert queue.name == "rpc-data"
    assert queue.durable
    assert queue.queue_arguments == {"x-queue-type": "quorum"}
