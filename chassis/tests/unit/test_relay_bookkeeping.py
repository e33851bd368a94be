"""The relay's confirm bookkeeping, without a broker."""

from __future__ import annotations

from types import SimpleNamespace

from chassis.relay import OutboxRelay, _Pending
from chassis.settings import ChassisSettings


def relay_with(*tags: int) -> OutboxRelay:
    relay = OutboxRelay(ChassisSettings(service_name="t"), engine=None)  # type: ignore[arg-type]
    for tag in tags:
        pending = _Pending(row_id=tag, event_id=f"e{tag}", type="a.b.c.v1")
        relay._in_flight[tag] = pending
        relay._by_message_id[pending.event_id] = pending
    return relay


def test_a_multiple_ack_settles_every_tag_up_to_it() -> None:
    relay = relay_with(1, 2, 3)
    relay._on_ack(2, True)
    assert [p.acked for p in relay._in_flight.values()] == [True, True, False]


def test_a_single_nack_settles_only_its_tag() -> None:
    relay = relay_with(1, 2)
    relay._on_nack(2, False)
    assert [(p.acked, p.nacked) for p in relay._in_flight.values()] == [
        (False, False),
        (False, True),
    ]


def test_a_returned_message_is_marked_by_its_message_id() -> None:
    relay = relay_with(1, 2)
    relay._on_return(
        Exception("NO_ROUTE"), "x", "a.b.c.v1", SimpleNamespace(properties={"message_id": "e2"})
    )
    assert [p.returned for p in relay._in_flight.values()] == [False, True]
