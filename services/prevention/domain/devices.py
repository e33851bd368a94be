"""Rules of the device registry: credentials, when a silent device is offline, and uptime.

Plain functions of their inputs; the clock is always passed in (`now`), so a test can set it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from contracts.devices import CREDENTIAL_MAX, DeviceStatus, Uptime
from contracts.sightings import DeviceId

#: a secret as `secrets.token_urlsafe` writes it (no dot, so the last dot splits a credential)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_DEVICE_ID: TypeAdapter[str] = TypeAdapter(DeviceId)
SECRET_BYTES = 32

UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


@dataclass(frozen=True)
class HealthRules:
    #: a device is offline once silent for this many of its intervals: one late or lost
    #: heartbeat is not an outage
    grace_factor: float = 2.0

    def __post_init__(self) -> None:
        if self.grace_factor < 1:
            raise ValueError("the grace factor is at least one interval")


# -- credentials ---------------------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def credential_of(device_id: str, secret: str) -> str:
    return f"{device_id}.{secret}"


def split_credential(credential: object) -> tuple[str, str] | None:
    """`<device_id>.<secret>` as its two parts, or None for anything not shaped like one."""
    if not isinstance(credential, str) or len(credential) > CREDENTIAL_MAX:
        return None
    device_id, dot, secret = credential.rpartition(".")
    if not dot or not _SECRET.match(secret):
        return None
    try:
        _DEVICE_ID.validate_python(device_id)
    except ValidationError:
        return None
    return device_id, secret


# -- liveness ------------------------------------------------------------------------------


def offline_after(last_heard: datetime, interval_s: int, rules: HealthRules) -> datetime:
    """The moment a device last heard from at `last_heard` counts as offline if still silent."""
    return last_heard + timedelta(seconds=interval_s * rules.grace_factor)


def is_offline(last_heard: datetime, interval_s: int, now: datetime, rules: HealthRules) -> bool:
    """Silent past its interval, with grace. `last_heard` is its last heartbeat, or when the
    monitor began watching it if it never sent one."""
    return now > offline_after(last_heard, interval_s, rules)


def outage_start(last_heard: datetime, interval_s: int) -> datetime:
    """An outage begins when the first heartbeat that never came was due."""
    return last_heard + timedelta(seconds=interval_s)


def status_of(
    active: bool, offline_since: datetime | None, last_seen_at: datetime | None
) -> DeviceStatus:
    if not active:
        return DeviceStatus.DECOMMISSIONED
    if offline_since is not None:
        return DeviceStatus.OFFLINE
    if last_seen_at is None:
        return DeviceStatus.PENDING
    return DeviceStatus.ONLINE


# -- uptime --------------------------------------------------------------------------------


def _seconds(span: timedelta) -> int:
    return max(0, int(span.total_seconds()))


def uptime(
    window: timedelta,
    now: datetime,
    watched_since: datetime | None,
    retired_at: datetime | None,
    outages: Iterable[tuple[datetime, datetime | None]],
) -> Uptime:
    """The share of the window `[now - window, now]` a device was up, over the part of it when
    it was watched (from `watched_since`, until `retired_at` if decommissioned). An outage
    still open (no end) lasts until now."""
    window_s = _seconds(window)
    start = now - window
    if watched_since is not None:
        start = max(start, watched_since)
    end = min(now, retired_at) if retired_at is not None else now
    if watched_since is None or end <= start:
        return Uptime(window_s=window_s, monitored_s=0, down_s=0, percent=None)
    monitored = end - start
    down = timedelta()
    for began, ended in outages:
        overlap = min(ended or end, end) - max(began, start)
        if overlap > timedelta():
            down += overlap
    down = min(down, monitored)
    percent = round(100 * (1 - down / monitored), 3)
    return Uptime(
        window_s=window_s,
        monitored_s=_seconds(monitored),
        down_s=_seconds(down),
        percent=percent,
    )
