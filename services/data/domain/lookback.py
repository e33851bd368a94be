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
class Window:
    plate: str
    since: datetime
    until: datetime


def check_window(
    plate: str, since: datetime, until: datetime, now: datetime, rules: LookbackRules
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
        # authorisations (bound to a case and a plate, issued by a supervisor) come next; until
        # then old sightings are not served at all
        raise NeedsAuthorisation(
            f"sightings older than {rules.authorisation_age.days} days need a supervisor's "
            "authorisation"
        )
    return Window(normalised, since, until)


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
