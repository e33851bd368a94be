"""Rules of traffic fines: the second factor, the lookup budget, who may pay, contest and
decide."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.fines import AppealDecision, AppealStatus, FineStatus

HOUR = timedelta(hours=1)
#: a plate proven by a lookup (plate + VIN tail) may be paid or contested for this long
ACCESS_AFTER_LOOKUP = timedelta(hours=24)
#: a device's clock may run a little ahead of the platform's
CLOCK_SKEW = timedelta(minutes=5)
#: how many vehicles one citizen may bind
MAX_BOUND_VEHICLES = 10


class FineRuleBroken(ValueError):
    """A move the rules do not allow in the fine's present state; the message says why."""


class OwnFineAppeal(ValueError):
    """An officer may not decide an appeal against a fine they issued themselves."""


def vin_digest(key: bytes, vin_tail: str) -> str:
    """A keyed digest of the VIN's last six characters: all that is kept of the VIN."""
    return hmac.new(key, b"vin-tail:" + vin_tail.upper().encode(), hashlib.sha256).hexdigest()


def factor_matches(key: bytes, vin_tail: str, stored_digest: str | None) -> bool:
    """Constant-time: the answer's timing says nothing about how close a guess came."""
    given = vin_digest(key, vin_tail)
    return hmac.compare_digest(given, stored_digest or "0" * len(given))


@dataclass(frozen=True)
class LookupBudget:
    """Lookups (and bindings) a citizen made in the current hour-long window."""

    window_started_at: datetime | None = None
    used: int = 0


def wait_before_lookup(budget: LookupBudget, per_hour: int, now: datetime) -> float:
    """Seconds until the citizen may look up again (0: now). Every try counts, right or wrong,
    so plates cannot be probed for their VINs."""
    window = budget.window_started_at
    if window is None or now >= window + HOUR or budget.used < per_hour:
        return 0.0
    return (window + HOUR - now).total_seconds()


def after_lookup(budget: LookupBudget, now: datetime) -> LookupBudget:
    window = budget.window_started_at
    if window is None or now >= window + HOUR:
        return LookupBudget(window_started_at=now, used=1)
    return LookupBudget(window_started_at=window, used=budget.used + 1)


def check_issuable(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise FineRuleBroken("a violation cannot have happened in the future")


def check_payable(status: FineStatus, open_appeal: bool) -> None:
    if status is FineStatus.PAID:
        raise FineRuleBroken("this fine is paid already")
    if status is FineStatus.CANCELLED:
        raise FineRuleBroken("this fine was cancelled: there is nothing to pay")
    if open_appeal:
        raise FineRuleBroken("this fine is under appeal: wait for the decision before paying")


def check_appealable(status: FineStatus, open_appeal: bool, payment_pending: bool) -> None:
    if status is FineStatus.PAID:
        raise FineRuleBroken("a paid fine can no longer be contested here")
    if status is FineStatus.CANCELLED:
        raise FineRuleBroken("this fine was cancelled already")
    if open_appeal:
        raise FineRuleBroken("this fine is under appeal already")
    if payment_pending:
        raise FineRuleBroken("a payment of this fine is in progress")


def check_decidable(appeal_status: AppealStatus, decider: str | None, issued_by: str) -> None:
    if appeal_status is not AppealStatus.SUBMITTED:
        raise FineRuleBroken("this appeal was decided already")
    if decider is not None and decider == issued_by:
        raise OwnFineAppeal("another officer decides an appeal against a fine you issued")


def fine_status_after(decision: AppealDecision) -> FineStatus:
    return FineStatus.CANCELLED if decision is AppealDecision.CANCELLED else FineStatus.UNPAID


def access_expires(proven_at: datetime) -> datetime:
    return proven_at + ACCESS_AFTER_LOOKUP
