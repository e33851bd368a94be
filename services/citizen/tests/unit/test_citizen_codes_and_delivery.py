"""Sign-in code limits and notification attempts, without a broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.notifications import Channel, DeliveryStatus
from services.citizen.domain import codes
from services.citizen.domain.notifications import (
    DeliveryFailed,
    DeliveryRefused,
    OutgoingMessage,
    ProviderReceipt,
    RetryPolicy,
    attempt,
    masked_recipient,
)

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
POLICY = codes.CodePolicy(
    ttl=timedelta(minutes=5), resend_after=timedelta(seconds=60), per_hour=3, max_attempts=5
)


def test_a_first_code_goes_at_once_and_the_next_after_the_resend_interval() -> None:
    assert codes.wait_before_sending(POLICY, codes.SendHistory(), T0) == 0
    sent = codes.after_sending(codes.SendHistory(), T0)
    assert codes.wait_before_sending(POLICY, sent, T0 + timedelta(seconds=10)) == 50
    assert codes.wait_before_sending(POLICY, sent, T0 + timedelta(seconds=60)) == 0


def test_the_hourly_share_waits_for_the_window_to_end() -> None:
    history = codes.SendHistory()
    for minute in (0, 2, 4):
        history = codes.after_sending(history, T0 + timedelta(minutes=minute))
    assert history.sent_in_window == 3
    assert codes.wait_before_sending(POLICY, history, T0 + timedelta(minutes=10)) == 50 * 60
    later = T0 + timedelta(minutes=61)
    assert codes.wait_before_sending(POLICY, history, later) == 0
    assert codes.after_sending(history, later).sent_in_window == 1


def test_a_code_is_usable_until_it_expires_or_its_guesses_are_spent() -> None:
    expires = T0 + POLICY.ttl
    assert codes.usable(POLICY, expires, 4, T0)
    assert not codes.usable(POLICY, expires, 5, T0)
    assert not codes.usable(POLICY, expires, 0, expires)
    assert not codes.usable(POLICY, None, 0, T0)


def test_codes_are_six_digits_and_the_message_names_the_minutes() -> None:
    code = codes.new_code()
    assert len(code) == 6 and code.isdigit()
    assert "5 分钟" in codes.message(code, POLICY.ttl) and code in codes.message(code, POLICY.ttl)


class Provider:
    name = "fake"

    def __init__(self, outcome: Exception | ProviderReceipt) -> None:
        self.outcome = outcome

    def deliver(self, message: OutgoingMessage) -> ProviderReceipt:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


MESSAGE = OutgoingMessage(uuid.uuid4(), Channel.SMS, "13900139000", "hello", "test")
RETRY = RetryPolicy(max_attempts=3, base=timedelta(seconds=2), cap=timedelta(seconds=5))


def test_a_failed_attempt_waits_longer_each_time_up_to_the_cap() -> None:
    assert [RETRY.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 5, 5]
    result = attempt(Provider(DeliveryFailed("timeout")), MESSAGE, 1, RETRY, T0)
    assert result.status is DeliveryStatus.PENDING
    assert result.attempts == 2 and result.next_attempt_at == T0 + timedelta(seconds=4)
    assert result.error == "DeliveryFailed: timeout"


def test_the_last_attempt_failing_fails_the_message() -> None:
    result = attempt(Provider(DeliveryFailed("timeout")), MESSAGE, 2, RETRY, T0)
    assert result.status is DeliveryStatus.FAILED and result.attempts == 3


def test_a_refusal_fails_at_once() -> None:
    result = attempt(Provider(DeliveryRefused("no such number")), MESSAGE, 0, RETRY, T0)
    assert result.status is DeliveryStatus.FAILED and result.attempts == 1


@pytest.mark.parametrize(("delivered", "status"), [(True, "delivered"), (False, "sent")])
def test_a_taken_message_is_sent_or_delivered(delivered: bool, status: str) -> None:
    result = attempt(Provider(ProviderReceipt("p-1", delivered)), MESSAGE, 0, RETRY, T0)
    assert result.status == status and result.provider_message_id == "p-1"


def test_recipients_are_masked_in_reports() -> None:
    assert masked_recipient(Channel.SMS, "13900139000") == "139****9000"
    assert masked_recipient(Channel.PUSH, "device-token-abcdef") == "devi…"
