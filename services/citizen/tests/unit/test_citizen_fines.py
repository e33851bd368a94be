"""Rules of fines and payments, no broker or database: the second factor, the lookup budget,
who may pay, contest and decide, signed notifications and what they settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
import pytest
from pydantic import ValidationError

from contracts.fines import (
    AppealDecision,
    AppealRequest,
    AppealStatus,
    FineIssue,
    FineStatus,
    PaymentStatus,
    VehicleProof,
)
from services.citizen.domain import fines as rules
from services.citizen.domain import payments
from services.citizen.domain.payments import (
    AmountMismatch,
    CallbackOutcome,
    CallbackRefused,
    ProviderCallback,
)
from services.citizen.payment_providers import SandboxPay
from services.citizen.settings import Settings

NOW = datetime(2026, 10, 3, 8, 0, tzinfo=UTC)
KEY = b"a vin digest key"
SECRET = b"sandbox secret"


# -- the second factor -------------------------------------------------------------------------


def test_the_vin_tail_is_kept_only_as_a_keyed_digest_and_checked_in_any_case() -> None:
    digest = rules.vin_digest(KEY, "000001")
    assert "000001" not in digest and len(digest) == 64
    assert rules.vin_digest(b"another key", "000001") != digest
    assert rules.factor_matches(KEY, "000001", digest)
    assert not rules.factor_matches(KEY, "000002", digest)
    assert not rules.factor_matches(KEY, "000001", None)


def test_a_vin_tail_is_six_vin_characters_folded_to_upper_case() -> None:
    assert VehicleProof(plate="粤b 12345", vin_tail=" ab12c3 ").vin_tail == "AB12C3"
    assert VehicleProof(plate="粤B12345", vin_tail="ab12c3").plate == "粤B12345"
    for wrong in ("12345", "1234567", "00000I", "00000O"):
        with pytest.raises(ValidationError):
            VehicleProof(plate="粤B12345", vin_tail=wrong)


def test_lookups_are_limited_per_hour_right_or_wrong() -> None:
    budget = rules.LookupBudget()
    for _ in range(10):
        assert rules.wait_before_lookup(budget, 10, NOW) == 0
        budget = rules.after_lookup(budget, NOW)
    later = NOW + timedelta(minutes=20)
    assert rules.wait_before_lookup(budget, 10, later) == pytest.approx(40 * 60)
    next_hour = NOW + timedelta(hours=1)
    assert rules.wait_before_lookup(budget, 10, next_hour) == 0
    assert rules.after_lookup(budget, next_hour) == rules.LookupBudget(next_hour, 1)


# -- issuing, paying, contesting, deciding -----------------------------------------------------


def test_a_fine_in_the_future_is_not_issued_and_amounts_are_bounded_integers() -> None:
    rules.check_issuable(NOW + timedelta(minutes=4), NOW)  # a device's clock runs ahead
    with pytest.raises(rules.FineRuleBroken):
        rules.check_issuable(NOW + timedelta(hours=1), NOW)
    valid: dict[str, Any] = {
        "plate": "粤B12345",
        "violation": "违停",
        "amount_fen": 20000,
        "place": "深南大道",
        "occurred_at": "2026-10-02T09:30:00+08:00",
    }
    assert FineIssue.model_validate(valid).amount_fen == 20000
    for wrong in (
        {"amount_fen": 0},
        {"amount_fen": 2_000_001},
        {"amount_fen": 200.5},
        {"occurred_at": "2026-10-02T09:30:00"},  # no time zone
        {"violation_code": "bad code"},
    ):
        with pytest.raises(ValidationError):
            FineIssue.model_validate({**valid, **wrong})


def test_only_an_unpaid_fine_without_an_open_appeal_is_paid() -> None:
    rules.check_payable(FineStatus.UNPAID, open_appeal=False)
    for status, appeal in (
        (FineStatus.PAID, False),
        (FineStatus.CANCELLED, False),
        (FineStatus.UNPAID, True),
    ):
        with pytest.raises(rules.FineRuleBroken):
            rules.check_payable(status, open_appeal=appeal)


def test_a_fine_is_contested_once_at_a_time_and_never_while_being_paid() -> None:
    rules.check_appealable(FineStatus.UNPAID, open_appeal=False, payment_pending=False)
    for status, appeal, pending in (
        (FineStatus.PAID, False, False),
        (FineStatus.CANCELLED, False, False),
        (FineStatus.UNPAID, True, False),
        (FineStatus.UNPAID, False, True),
    ):
        with pytest.raises(rules.FineRuleBroken):
            rules.check_appealable(status, open_appeal=appeal, payment_pending=pending)
    assert AppealRequest(reason="  我当时在上下客  ").reason == "我当时在上下客"
    for reason in ("", "   ", "长" * 1001):
        with pytest.raises(ValidationError):
            AppealRequest(reason=reason)


def test_an_appeal_is_decided_once_and_not_by_the_officer_who_issued_the_fine() -> None:
    rules.check_decidable(AppealStatus.SUBMITTED, "o-futian-2", "o-futian")
    with pytest.raises(rules.OwnFineAppeal):
        rules.check_decidable(AppealStatus.SUBMITTED, "o-futian", "o-futian")
    with pytest.raises(rules.FineRuleBroken):
        rules.check_decidable(AppealStatus.DECIDED, "o-futian-2", "o-futian")
    assert rules.fine_status_after(AppealDecision.CANCELLED) is FineStatus.CANCELLED
    assert rules.fine_status_after(AppealDecision.UPHELD) is FineStatus.UNPAID


# -- payments ----------------------------------------------------------------------------------


def test_idempotency_keys_are_scoped_to_the_citizen_and_the_fine() -> None:
    one = payments.scoped_key("c-1", "f-1", "key")
    assert one != payments.scoped_key("c-2", "f-1", "key")
    assert one != payments.scoped_key("c-1", "f-2", "key")
    assert payments.provider_key(one) == payments.provider_key(one)
    assert payments.provider_key(one) != payments.provider_key(
        payments.scoped_key("c-2", "f-1", "key")
    )


def test_a_pending_payment_expires_with_its_page() -> None:
    expires = NOW + timedelta(minutes=15)
    assert not payments.is_expired(PaymentStatus.PENDING, expires, NOW)
    assert payments.is_expired(PaymentStatus.PENDING, expires, expires)
    assert not payments.is_expired(PaymentStatus.SUCCEEDED, expires, expires)


def _callback(outcome: CallbackOutcome = CallbackOutcome.SUCCEEDED, amount: int = 20000) -> Any:
    return ProviderCallback("evt_1", "sp_1", outcome, amount, NOW)


def test_a_notification_settles_a_payment_once() -> None:
    paid = payments.settle(PaymentStatus.PENDING, 20000, FineStatus.UNPAID, _callback())
    assert paid == payments.Settlement(PaymentStatus.SUCCEEDED, fine_paid=True)
    # money moved after the page expired: still the fine's payment
    late = payments.settle(PaymentStatus.EXPIRED, 20000, FineStatus.UNPAID, _callback())
    assert late == payments.Settlement(PaymentStatus.SUCCEEDED, fine_paid=True)
    failed = payments.settle(
        PaymentStatus.PENDING, 20000, FineStatus.UNPAID, _callback(CallbackOutcome.FAILED)
    )
    assert failed == payments.Settlement(PaymentStatus.FAILED, fine_paid=False)
    for settled in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REFUND_DUE):
        assert payments.settle(settled, 20000, FineStatus.UNPAID, _callback()) is None


def test_a_second_payment_of_a_paid_fine_is_owed_back_and_a_wrong_amount_refused() -> None:
    twice = payments.settle(PaymentStatus.PENDING, 20000, FineStatus.PAID, _callback())
    assert twice == payments.Settlement(PaymentStatus.REFUND_DUE, fine_paid=False)
    with pytest.raises(AmountMismatch):
        payments.settle(PaymentStatus.PENDING, 20000, FineStatus.UNPAID, _callback(amount=1))


def test_receipt_numbers_carry_the_day_and_differ() -> None:
    first, second = payments.receipt_number(NOW), payments.receipt_number(NOW)
    assert first.startswith("FR20261003") and len(first) == 20
    assert first != second


# -- SandboxPay's signed notifications ---------------------------------------------------------


def _notification(**changes: Any) -> bytes:
    body = {
        "id": "evt_abc",
        "type": "payment.succeeded",
        "created": NOW.isoformat(),
        "data": {"payment_id": "sp_1", "reference": "r", "amount_fen": 20000},
    }
    return orjson.dumps({**body, **changes})


def _sandbox() -> SandboxPay:
    return SandboxPay(cast(Any, None), SECRET, "http://pay.test/", NOW)


def test_sandbox_pay_accepts_its_own_signature_over_the_raw_body() -> None:
    body = _notification()
    callback = _sandbox().verify_callback(body, payments.signature(SECRET, body))
    assert callback == ProviderCallback("evt_abc", "sp_1", CallbackOutcome.SUCCEEDED, 20000, NOW)
    declined = _notification(type="payment.failed")
    signed = payments.signature(SECRET, declined).upper()  # hex in either case
    assert _sandbox().verify_callback(declined, signed).outcome is CallbackOutcome.FAILED


def test_a_forged_missing_or_reshaped_notification_is_refused() -> None:
    body = _notification()
    right = payments.signature(SECRET, body)
    altered = body.replace(b"20000", b"20")
    for raw, signature in (
        (body, None),
        (body, ""),
        (body, "0" * 64),
        (body, payments.signature(b"someone else's secret", body)),
        (altered, right),  # the signature covers every byte
        (body + b" ", right),
    ):
        with pytest.raises(CallbackRefused):
            _sandbox().verify_callback(raw, signature)
    unreadable = b'{"id": 1}'
    with pytest.raises(CallbackRefused):
        _sandbox().verify_callback(unreadable, payments.signature(SECRET, unreadable))


def test_fines_settings_default_to_the_sandbox_and_refuse_other_providers() -> None:
    settings = Settings()
    assert settings.payment_provider == "sandbox-pay"
    assert settings.fine_lookups_per_hour == 10
    assert Settings(payment_provider="none").payment_provider == "none"
    with pytest.raises(ValidationError):
        Settings(payment_provider="paypal")  # type: ignore[arg-type]
