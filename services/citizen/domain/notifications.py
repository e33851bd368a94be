"""Delivering notifications: the provider interface, attempts and their back-off."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from contracts.citizens import masked_phone
from contracts.notifications import Channel, DeliveryStatus


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: uuid.UUID
    channel: Channel
    recipient: str
    body: str
    category: str


@dataclass(frozen=True)
class ProviderReceipt:
    provider_message_id: str
    #: the provider confirmed delivery at once (a sink does; a carrier reports it later)
    delivered: bool


class DeliveryRefused(Exception):
    """The provider will never take this message (a bad number, a blocked recipient)."""


class DeliveryFailed(Exception):
    """The provider could not take it now (a timeout, an outage): try again later."""


class Provider(Protocol):
    """An SMS, voice and push gateway. `deliver` hands one message over."""

    name: str

    def deliver(self, message: OutgoingMessage) -> ProviderReceipt: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base: timedelta
    cap: timedelta

    def delay(self, attempts: int) -> timedelta:
        """Wait before the attempt after `attempts` failed ones."""
        seconds = self.base.total_seconds() * 2 ** max(0, attempts - 1)
        return min(timedelta(seconds=seconds), self.cap)


@dataclass(frozen=True)
class AttemptResult:
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    provider_message_id: str | None = None
    error: str | None = None


def attempt(
    provider: Provider, message: OutgoingMessage, attempts: int, policy: RetryPolicy, now: datetime
) -> AttemptResult:
    """One delivery attempt and what follows from it."""
    tried = attempts + 1
    try:
        receipt = provider.deliver(message)
    except DeliveryRefused as refused:
        return AttemptResult(DeliveryStatus.FAILED, tried, now, error=_error(refused))
    except DeliveryFailed as failed:
        if tried >= policy.max_attempts:
            return AttemptResult(DeliveryStatus.FAILED, tried, now, error=_error(failed))
        return AttemptResult(
            DeliveryStatus.PENDING, tried, now + policy.delay(tried), error=_error(failed)
        )
    status = DeliveryStatus.DELIVERED if receipt.delivered else DeliveryStatus.SENT
    return AttemptResult(status, tried, now, provider_message_id=receipt.provider_message_id)


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def masked_recipient(channel: Channel, recipient: str) -> str:
    if channel is Channel.PUSH:
        return f"{recipient[:4]}…"
    return masked_phone(recipient)
