"""Notifications: one message per id, by RPC or by event, delivered from the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR
from contracts.notifications import notification_requested


def sms(notification_id: uuid.UUID, body: str = "孩子已到校门口。") -> dict[str, Any]:
    return {
        "notification_id": str(notification_id),
        "channel": "sms",
        "phone": "13900139000",
        "body": body,
        "category": "school_pickup",
    }


def test_the_same_notification_twice_is_one_message(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    proxy = call()
    notification_id = uuid.uuid4()
    first = proxy.send_notification(sms(notification_id))
    again = proxy.send_notification(sms(notification_id, body="a different body"))
    assert first["recipient"] == again["recipient"] == "139****9000"

    delivered = eventually(
        lambda: (
            (s := proxy.notification_status(str(notification_id)))["status"] == "delivered" and s
        ),
        what="the message delivered",
    )
    assert delivered["attempts"] == 1 and delivered["delivered_at"] is not None
    messages = proxy.sink_messages(recipient="13900139000")
    assert [m["body"] for m in messages] == ["孩子已到校门口。"]


def test_other_pillars_send_by_event(
    call: Callable[..., Any], platform_config: dict[str, Any], citizen_db: Engine
) -> None:
    proxy = call()
    notification_id = uuid.uuid4()
    event = build_envelope(
        event_type=notification_requested("prevention"),
        payload=sms(notification_id),
        producer="prevention",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )
    publish_envelopes(platform_config["AMQP_URI"], event, copies=2)
    status = eventually(
        lambda: (
            (s := proxy.notification_status(str(notification_id)))["status"] == "delivered" and s
        ),
        what="the requested message delivered",
    )
    assert status["sender"] == "prevention"
    assert len(proxy.sink_messages(recipient="13900139000")) == 1


def test_a_push_needs_a_device_token_and_an_sms_a_phone(call: Callable[..., Any]) -> None:
    with pytest.raises(RemoteError) as refused:
        call().send_notification(
            {"channel": "push", "phone": "13900139000", "body": "x", "category": "alert"}
        )
    assert refused.value.exc_type == "ValidationFailed"


def test_delivery_status_of_an_unknown_message_is_not_found(call: Callable[..., Any]) -> None:
    with pytest.raises(RemoteError) as refused:
        call().notification_status(str(uuid.uuid4()))
    assert refused.value.exc_type == "NotFound"


def test_a_message_waiting_for_its_retry_is_not_sent_early(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    proxy = call()
    waiting, due = uuid.uuid4(), uuid.uuid4()
    with citizen_db.begin() as conn:
        for notification_id, delay in ((waiting, "1 hour"), (due, "0 seconds")):
            conn.execute(
                text(
                    "INSERT INTO notifications (notification_id, channel, recipient, body, "
                    "category, sender, status, attempts, next_attempt_at) VALUES (:id, 'sms', "
                    "'13900139000', 'retry', 'test', 'test', 'pending', 1, "
                    f"now() + interval '{delay}')"
                ),
                {"id": notification_id},
            )
    eventually(
        lambda: proxy.notification_status(str(due))["status"] == "delivered",
        what="the due one delivered",
    )
    assert proxy.notification_status(str(waiting))["status"] == "pending"
