"""Acknowledging a channel's deliveries in runs instead of one frame per message.

A batch consumer has several batches in flight and they finish out of order (one waits for a
lock while the next one is parsed). AMQP's `multiple` ack settles every outstanding delivery up
to a tag, so it may only be sent for a tag once every earlier delivery still outstanding on the
channel is finished too. This keeps that order.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

Delivery = TypeVar("Delivery")


class OrderedAcks(Generic[Delivery]):
    """Outstanding deliveries of one channel in delivery-tag order, each pending or finished.

    `received` a delivery when it arrives; `finished` it once its effects are committed;
    `forget` it when it was settled some other way (acked alone, rejected, requeued).
    `take_ackable` then gives the last delivery of the longest finished run at the front (ack
    it with `multiple=True`), or None.
    """

    def __init__(self) -> None:
        self._outstanding: OrderedDict[int, tuple[Delivery, bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._outstanding)

    def received(self, tag: int, delivery: Delivery) -> None:
        if self._outstanding and tag <= next(reversed(self._outstanding)):
            raise ValueError(f"delivery tag {tag} arrived out of order")
        self._outstanding[tag] = (delivery, False)

    def finished(self, tags: list[int]) -> None:
        for tag in tags:
            if tag in self._outstanding:
                self._outstanding[tag] = (self._outstanding[tag][0], True)

    def forget(self, tag: int) -> None:
        self._outstanding.pop(tag, None)

    def take_ackable(self) -> Delivery | None:
        last: Delivery | None = None
        while self._outstanding:
            tag, (delivery, done) = next(iter(self._outstanding.items()))
            if not done:
                break
            del self._outstanding[tag]
            last = delivery
        return last
