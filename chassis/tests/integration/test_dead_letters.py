"""A handler that keeps failing: retries with back-off, then the dead-letter queue, then replay."""

from __future__ import annotations

import uuid
from typing import Any

from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import Engine

from chassis.testing.polling import eventually
from chassis.tests.integration.helpers import inbox_count, metric, scrape, seen_count, set_switch
from chassis.tests.integration.sample_services import FLAKY_HAPPENED, SampleConsumer, SampleProducer

CONSUMER = "sample_consumer.on_flaky"


def test_a_failing_handler_dead_letters_after_its_retries_and_replay_applies_it_once(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    consumer_db: Engine,
) -> None:
    settings_overrides["event_max_retries"] = 2
    set_switch(consumer_db, "flaky", broken=True)
    consumer = container_factory(SampleConsumer)
    consumer.start()
    container_factory(SampleProducer).start()

    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10) as client:
        event_id = client.sample_producer.announce(FLAKY_HAPPENED)

        listing = eventually(
            lambda: (
                (lst := client.sample_consumer.list_dead_letters(CONSUMER))["total"] == 1 and lst
            ),
            what="event in the dead-letter queue",
        )
        (dead,) = listing["items"]
        assert dead["event_id"] == event_id
        assert dead["type"] == FLAKY_HAPPENED
        assert dead["attempts"] == 3  # the first try and two retries
        assert dead["error"] == "RuntimeError"
        samples = scrape(consumer)
        labels = {"service": "sample_consumer", "consumer": CONSUMER}
        assert metric(samples, "sp_events_dead_lettered_total", **labels) == 1
        assert metric(samples, "sp_events_consumed_total", outcome="retried", **labels) == 2
        # listing does not consume: the dead letter is still there
        assert client.sample_consumer.list_dead_letters(CONSUMER)["total"] == 1
        assert seen_count(consumer_db) == 0

        set_switch(consumer_db, "flaky", broken=False)  # the handler is fixed
        replay = client.sample_consumer.replay_dead_letters({"consumer": CONSUMER})
        assert replay == {"consumer": CONSUMER, "replayed": 1}

        eventually(lambda: seen_count(consumer_db, uuid.UUID(event_id)) == 1, what="replayed")
        assert client.sample_consumer.list_dead_letters(CONSUMER)["total"] == 0
        assert client.sample_consumer.replay_dead_letters({"consumer": CONSUMER})["replayed"] == 0
    assert inbox_count(consumer_db) == 1
    assert metric(scrape(consumer), "sp_events_replayed_total", **labels) == 1


def test_replay_can_pick_events_by_id_and_leaves_the_others_waiting(
    container_factory: Any,
    platform_config: dict[str, Any],
    settings_overrides: dict[str, Any],
    consumer_db: Engine,
) -> None:
    settings_overrides["event_max_retries"] = 0
    set_switch(consumer_db, "flaky", broken=True)
    container_factory(SampleConsumer).start()
    container_factory(SampleProducer).start()

    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10) as client:
        first = client.sample_producer.announce(FLAKY_HAPPENED)
        second = client.sample_producer.announce(FLAKY_HAPPENED)
        eventually(lambda: client.sample_consumer.list_dead_letters(CONSUMER)["total"] == 2)
        set_switch(consumer_db, "flaky", broken=False)

        result = client.sample_consumer.replay_dead_letters(
            {"consumer": CONSUMER, "event_ids": [second]}
        )
        assert result["replayed"] == 1
        eventually(lambda: seen_count(consumer_db, uuid.UUID(second)) == 1)
        listing = client.sample_consumer.list_dead_letters(CONSUMER)
        assert [item["event_id"] for item in listing["items"]] == [first]


def test_operations_refuse_an_unknown_consumer_with_a_typed_error(
    container_factory: Any, platform_config: dict[str, Any]
) -> None:
    container_factory(SampleConsumer).start()
    with ClusterRpcClient(uri=platform_config["AMQP_URI"], timeout=10) as client:
        assert client.sample_consumer.list_consumers() == [
            "sample_consumer.on_flaky",
            "sample_consumer.on_note",
        ]
        try:
            client.sample_consumer.list_dead_letters("sample_consumer.nope")
        except Exception as exc:
            assert getattr(exc, "exc_type", None) == "NotFound"
        else:
            raise AssertionError("an unknown consumer was accepted")
