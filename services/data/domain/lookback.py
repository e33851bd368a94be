"""Look-back rules: which time ranges may be asked, and how far back without authorisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contracts.values import normalise_plate


class LookbackRefused(ValueError):
    """The question is malformed or too wide (a 422)."""


class NeedsAuthorisation(PermissionError):
    """The question reaches data old enough to need a supervisor's authorisation (a 403)."""


@dataclass(frozen=True)
class LookbackRules:
    #: the widest window one query may ask for
    max_window: timedelta = timedelta(days=31)
    #: sightings older than this are served only with a supervisor's authorisation
    authorisation_age: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class Grant:
    """A supervisor's authorisation, as the rules need it."""

    case_id: str
    plate: str
    since: datetime
    until: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Window:
    plate: str
    since: datetime
    until: datetime


def check_window(
    plate: str,
    since: datetime,
    until: datetime,
    now: datetime,
    rules: LookbackRules,
    *,
    grant: Grant | None = None,
    case_id: str | None = None,
) -> Window:
    try:
        normalised = normalise_plate(plate)
    except ValueError as exc:
        raise LookbackRefused(str(exc)) from None
    if since.tzinfo is None or until.tzinfo is None:
        raise LookbackRefused("since and until must carry a time zone offset")
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    if since >= until:
        raise LookbackRefused("since must be before until")
    if until - since > rules.max_window:
        raise LookbackRefused(f"a window is at most {rules.max_window.days} days")
    if since < now - rules.authorisation_age:
        check_grant(grant, normalised, since, until, now, case_id)
    return Window(normalised, since, until)


def check_grant(
    grant: Grant | None,
    plate: str,
    since: datetime,
    until: datetime,
    now: datetime,
    case_id: str | None,
) -> None:
    """Old sightings are read only under a live authorisation for this case, plate and window."""
    if grant is None:
        raise NeedsAuthorisation("sightings this old need a supervisor's authorisation")
    if grant.expires_at <= now:
        raise NeedsAuthorisation("the authorisation has expired")
    if case_id != grant.case_id:
        raise NeedsAuthorisation("the authorisation is for another case")
    if plate != grant.plate:
        raise NeedsAuthorisation("the authorisation is for another plate")
    if since < grant.since or until > grant.until:
        raise NeedsAuthorisation("the window reaches outside the authorised one")


def check_grant_request(
    since: datetime, until: datetime, expires_at: datetime, now: datetime, max_validity: timedelta
) -> None:
    for value in (since, until, expires_at):
        if value.tzinfo is None:
            raise LookbackRefused("times must carry a time zone offset")
    if since >= until:
        raise LookbackRefused("since must be before until")
    if not now < expires_at <= now + max_validity:
        raise LookbackRefused(f"an authorisation expires within {max_validity.days} days")


def parse_cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        at, ident = raw.split("|", 1)
        return datetime.fromisoformat(at), uuid.UUID(ident)
    except ValueError:
        raise LookbackRefused("invalid cursor") from None


def make_cursor(seen_at: datetime, sighting_id: uuid.UUID) -> str:
    return f"{seen_at.isoformat()}|{sighting_id}"
