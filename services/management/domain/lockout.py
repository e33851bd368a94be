"""Lock-out after repeated failed logins: guessing a password must cost the guesser time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    #: failures in a row that lock the account
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginState:
    failures: int
    locked_until: datetime | None


def locked(state: LoginState, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def after_failure(state: LoginState, now: datetime, policy: LockoutPolicy) -> LoginState:
    """One more failure; at the limit the account locks and the count starts again."""
    failures = state.failures + 1
    if failures >= policy.max_failures:
        return LoginState(0, now + policy.lock_for)
    return LoginState(failures, state.locked_until)


def after_success() -> LoginState:
    return LoginState(0, None)
