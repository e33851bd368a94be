"""One-time sign-in codes: how often one may be sent, how long it lives, how many guesses."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CodePolicy:
    ttl: timedelta
    resend_after: timedelta
    per_hour: int
    max_attempts: int


@dataclass(frozen=True)
class SendHistory:
    last_sent_at: datetime | None = None
    window_started_at: datetime | None = None
    sent_in_window: int = 0


HOUR = timedelta(hours=1)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def phone_digest(key: bytes, national_number: str) -> str:
    return hmac.new(key, national_number.encode(), hashlib.sha256).hexdigest()


def wait_before_sending(policy: CodePolicy, history: SendHistory, now: datetime) -> float:
    """Seconds until another code may go to this number (0: now)."""
    waits = [0.0]
    if history.last_sent_at is not None:
        waits.append((history.last_sent_at + policy.resend_after - now).total_seconds())
    window = history.window_started_at
    if window is not None and now < window + HOUR and history.sent_in_window >= policy.per_hour:
        waits.append((window + HOUR - now).total_seconds())
    return max(waits)


def after_sending(history: SendHistory, now: datetime) -> SendHistory:
    window = history.window_started_at
    if window is None or now >= window + HOUR:
        return SendHistory(last_sent_at=now, window_started_at=now, sent_in_window=1)
    return SendHistory(
        last_sent_at=now, window_started_at=window, sent_in_window=history.sent_in_window + 1
    )


def usable(policy: CodePolicy, expires_at: datetime | None, attempts: int, now: datetime) -> bool:
    """A code may still be tried: not expired, and not spent by wrong guesses."""
    return expires_at is not None and now < expires_at and attempts < policy.max_attempts


def message(code: str, ttl: timedelta) -> str:
    minutes = max(1, int(ttl.total_seconds() // 60))
    return f"【平安深圳】您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。"
