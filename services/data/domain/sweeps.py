"""Sweeps (who passed these checkpoints): bounded, authorised, and pseudonymous by default.

A sweep returns people who are not suspected of anything, so it needs a supervisor's
authorisation for the case, each window is short, every checkpoint and window lies inside what
was authorised, and plates the authorisation does not name come back as pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.data.domain.lookback import LookbackRefused, NeedsAuthorisation


@dataclass(frozen=True)
class SweepGrant:
    case_id: str
    devices: frozenset[str]
    since: datetime
    until: datetime
    targets: frozenset[str]
    expires_at: datetime


@dataclass(frozen=True)
class Condition:
    device_id: str
    since: datetime
    until: datetime


def check_collision(
    conditions: Iterable[Condition],
    grant: SweepGrant | None,
    case_id: str | None,
    now: datetime,
    max_window: timedelta,
) -> list[Condition]:
    """The conditions in UTC, or the refusal (shape: LookbackRefused; right: NeedsAuthorisation)."""
    checked = []
    for c in conditions:
        if c.since.tzinfo is None or c.until.tzinfo is None:
            raise LookbackRefused("times must carry a time zone offset")
        since, until = c.since.astimezone(UTC), c.until.astimezone(UTC)
        if since >= until:
            raise LookbackRefused("each condition's since must be before its until")
        if until - since > max_window:
            raise LookbackRefused(
                f"a condition's window is at most {max_window.total_seconds() / 3600:g} hours"
            )
        checked.append(Condition(c.device_id, since, until))
    grant = check_grant_basics(grant, case_id, now)
    for c in checked:
        if c.device_id not in grant.devices:
            raise NeedsAuthorisation("a checkpoint outside the authorised ones")
        if c.since < grant.since or c.until > grant.until:
            raise NeedsAuthorisation("a window outside the authorised one")
    return checked


def check_grant_basics(grant: SweepGrant | None, case_id: str | None, now: datetime) -> SweepGrant:
    if grant is None:
        raise NeedsAuthorisation("a sweep needs a supervisor's authorisation")
    if grant.expires_at <= now:
        raise NeedsAuthorisation("the authorisation has expired")
    if case_id != grant.case_id:
        raise NeedsAuthorisation("the authorisation is for another case")
    return grant


def check_sweep_window(
    since: datetime, until: datetime, grant: SweepGrant, max_window: timedelta
) -> tuple[datetime, datetime]:
    if since.tzinfo is None or until.tzinfo is None:
        raise LookbackRefused("times must carry a time zone offset")
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    if since >= until:
        raise LookbackRefused("since must be before until")
    if until - since > max_window:
        raise LookbackRefused(f"a window is at most {max_window.total_seconds() / 3600:g} hours")
    if since < grant.since or until > grant.until:
        raise NeedsAuthorisation("a window outside the authorised one")
    return since, until


def pseudonym(key: bytes, case_id: str, plate: str) -> str:
    """Stable within one case, unlinkable across cases, irreversible without the key."""
    digest = hmac.new(key, f"{case_id}|{plate}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:12]}"


def present(plates: Iterable[str], grant: SweepGrant, key: bytes) -> tuple[list[str], list[str]]:
    """(targets in clear, everyone else as pseudonyms), each sorted."""
    clear, masked = [], []
    for plate in plates:
        if plate in grant.targets:
            clear.append(plate)
        else:
            masked.append(pseudonym(key, grant.case_id, plate))
    return sorted(clear), sorted(masked)
