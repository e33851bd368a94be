"""Runs of finished deliveries, acknowledged in delivery order."""

from __future__ import annotations

import pytest

from chassis.acks import OrderedAcks


def tracker(*tags: int) -> OrderedAcks[str]:
    acks: OrderedAcks[str] = OrderedAcks()
    for tag in tags:
        acks.received(tag, f"m{tag}")
    return acks


def test_nothing_is_ackable_while_the_first_delivery_is_pending() -> None:
    acks = tracker(1, 2, 3)
    acks.finished([2, 3])
    assert acks.take_ackable() is None
    assert len(acks) == 3


def test_the_finished_run_at_the_front_is_taken_up_to_its_last_delivery() -> None:
    acks = tracker(1, 2, 3, 4)
    acks.finished([1, 2, 4])
    assert acks.take_ackable() == "m2"
    assert acks.take_ackable() is None
    acks.finished([3])
    assert acks.take_ackable() == "m4"
    assert len(acks) == 0


def test_a_delivery_settled_alone_no_longer_holds_back_the_run_behind_it() -> None:
    acks = tracker(1, 2, 3)
    acks.finished([2, 3])
    acks.forget(1)
    assert acks.take_ackable() == "m3"


def test_finishing_unknown_or_forgotten_tags_changes_nothing() -> None:
    acks = tracker(5)
    acks.forget(5)
    acks.finished([5, 6])
    assert acks.take_ackable() is None


def test_tags_out_of_order_are_refused() -> None:
    acks = tracker(3)
    with pytest.raises(ValueError, match="out of order"):
        acks.received(2, "m2")
