"""Move my car (一键挪车): how often one may ask, and what the owner is told.

Neither side ever learns the other's number: the owner's contact is used only by the
notification provider, and nothing a requester writes that looks like a phone number is
relayed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

#: 7 or more digits, allowing spaces and dashes between them: a phone number, or near enough
_PHONE_LIKE = re.compile(r"(?:\+?\d[\s-]?){7,}")

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class MoveLimits:
    per_requester_per_hour: int
    per_plate_per_hour: int


def has_phone_number(text: str) -> bool:
    return bool(_PHONE_LIKE.search(text))


def wait_for(recent: list[datetime], limit: int, now: datetime) -> float:
    """Seconds until one more request fits `limit` per hour, given the times of recent ones
    (0: now)."""
    inside = sorted(t for t in recent if now - t < WINDOW)
    if len(inside) < limit:
        return 0.0
    oldest_that_must_age = inside[len(inside) - limit]
    return max(0.0, (oldest_that_must_age + WINDOW - now).total_seconds())


def masked_plate(plate: str) -> str:
    """`粤B·7A001` as owners know their plate, for the SMS."""
    return f"{plate[:2]}·{plate[2:]}"


def owner_sms(plate: str, place: str, reply_url: str) -> str:
    return (
        f"【平安深圳】您的车辆 {masked_plate(plate)} 在「{place}」挡住了他人通行，请尽快挪车。"
        f"点击回复是否前往：{reply_url}"
    )


def owner_call_script(plate: str, place: str) -> str:
    return (
        f"您好，这里是深圳公安一键挪车服务。您的车辆 {masked_plate(plate)} 在{place}"
        "挡住了他人通行，请尽快挪车。"
    )
