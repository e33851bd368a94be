"""Rules of paying a fine through a hosted payment provider: idempotency keys, signed
notifications, what a provider's notification does to a payment and its fine."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.fines import FineStatus, PaymentStatus

#: a payment's states from which nothing moves it any more
FINAL = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REFUND_DUE})


class CallbackRefused(ValueError):
    """A notification that is not the provider's (signature missing or wrong) or not readable."""


class CallbackOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class ProviderCallback:
    """A provider's notification, once its signature checked out."""

    event_id: str
    provider_payment_id: str
    outcome: CallbackOutcome
    amount_fen: int
    occurred_at: datetime


def signature(secret: bytes, raw_body: bytes) -> str:
    """HMAC-SHA256 over the notification's raw bytes, hex."""
    return hmac.new(secret, raw_body, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, raw_body: bytes, given: str | None) -> bool:
    expected = signature(secret, raw_body)
    return hmac.compare_digest(expected.encode(), (given or "").strip().lower().encode())


def scoped_key(citizen_id: str, fine_id: str, idempotency_key: str) -> str:
    """A client's key means something only for its own citizen and fine: two citizens who
    happen to pick the same key never see each other's payment."""
    return f"{citizen_id}/{fine_id}/{idempotency_key}"


def provider_key(scoped: str) -> str:
    """The key sent on to the provider: stable across retries of one command, so a retry after
    a lost answer finds the provider's payment instead of opening another."""
    return hashlib.sha256(scoped.encode()).hexdigest()[:40]


def is_expired(status: PaymentStatus, expires_at: datetime, now: datetime) -> bool:
    return status is PaymentStatus.PENDING and now >= expires_at


@dataclass(frozen=True)
class Settlement:
    """What one notification does: the payment's new status and whether the fine is now paid."""

    payment_status: PaymentStatus
    fine_paid: bool


class AmountMismatch(ValueError):
    """The provider reports another amount than the one asked for."""


def settle(
    payment_status: PaymentStatus,
    payment_amount_fen: int,
    fine_status: FineStatus,
    callback: ProviderCallback,
) -> Settlement | None:
    """The effect of a verified notification, or None when it changes nothing (the payment
    was settled before). A success is honoured even after the payment's page expired, since
    money moved; if the fine was paid meanwhile the money is owed back."""
    if payment_status in FINAL:
        return None
    if callback.outcome is CallbackOutcome.FAILED:
        return Settlement(PaymentStatus.FAILED, fine_paid=False)
    if callback.amount_fen != payment_amount_fen:
        raise AmountMismatch("the notification's amount is not the payment's")
    if fine_status is FineStatus.UNPAID:
        return Settlement(PaymentStatus.SUCCEEDED, fine_paid=True)
    return Settlement(PaymentStatus.REFUND_DUE, fine_paid=False)


def receipt_number(paid_at: datetime) -> str:
    """`FR20261003` + ten random hex digits: unique without counting, guessable by nobody."""
    return f"FR{paid_at:%Y%m%d}{secrets.token_hex(5).upper()}"
