"""Rules of smart communities: who is a child on a given day, who may decide a resident's
face-gate consent and notification contacts, whether a gate's report is acceptable, and who
is told of a passage (with its snapshot).

Who is told is the heart of it: a child's guardians, or the contacts an adult chose for
themselves; never anybody else, and never anybody about an adult who did not opt in.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.communities import AGE_OF_MAJORITY, AgeGroup, ConsentBy, Direction

#: the city's time zone: whose calendar says when a resident comes of age
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class CommunityRuleBroken(ValueError):
    """A request the rules refuse; the message says why (and carries no personal data)."""


class NotEntitled(CommunityRuleBroken):
    """The person acting may not decide this."""


class NotAcceptable(CommunityRuleBroken):
    """A gate's report that cannot be recorded as it is."""


@dataclass(frozen=True)
class AccessRules:
    #: a gate clock ahead of ours by more than this is wrong, not early (as for sightings)
    max_clock_skew: timedelta = timedelta(minutes=5)
    #: older reports belong to a back-fill, not to a live gate
    max_age: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class Contact:
    """Someone who may be told: a guardian or a chosen contact. `citizen_id` is their account,
    if they have one (a guardian with an account may decide a child's consent)."""

    name: str
    phone: str | None
    citizen_id: str | None = None


@dataclass(frozen=True)
class Subject:
    """A resident as the rules need them."""

    birth_date: date
    citizen_id: str | None = None
    guardians: tuple[Contact, ...] = ()
    opted_in: bool = False
    chosen_contacts: tuple[Contact, ...] = field(default=())


def local_date(instant: datetime) -> date:
    return instant.astimezone(LOCAL_TZ).date()


def age_on(birth_date: date, on: date) -> int:
    """Whole years; someone born on 29 February comes of age on 1 March in common years."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_group(birth_date: date, on: date) -> AgeGroup:
    return AgeGroup.CHILD if age_on(birth_date, on) < AGE_OF_MAJORITY else AgeGroup.ADULT


def check_birth_date(birth_date: date, today: date) -> None:
    if birth_date > today:
        raise CommunityRuleBroken("a birth date cannot lie in the future")
    if age_on(birth_date, today) > 130:
        raise CommunityRuleBroken("a birth date more than 130 years ago is a typing error")


def new_resident_ref() -> str:
    """What the gates know a resident by: random, so it says nothing about the person."""
    return f"r-{secrets.token_hex(8)}"


def consent_capacity(subject: Subject, citizen_id: str, on: date) -> ConsentBy:
    """In what capacity `citizen_id` may grant or withdraw the subject's face enrolment on day
    `on`: an adult for themselves; for a child, one of the child's guardians."""
    if age_group(subject.birth_date, on) is AgeGroup.ADULT:
        if subject.citizen_id == citizen_id:
            return ConsentBy.SELF
        if any(g.citizen_id == citizen_id for g in subject.guardians):
            raise NotEntitled("an adult decides their own enrolment: a guardian no longer can")
        raise NotEntitled("only the resident themselves decides their enrolment")
    if any(g.citizen_id == citizen_id for g in subject.guardians):
        return ConsentBy.GUARDIAN
    if subject.citizen_id == citizen_id:
        raise NotEntitled("a child's enrolment needs a guardian's consent")
    raise NotEntitled("only one of the child's guardians decides the child's enrolment")


def check_contact_chooser(subject: Subject, citizen_id: str, on: date) -> None:
    """Only an adult resident themselves opts in to be told of (or chooses who is told of)
    their own passages; a child's passages go to the child's guardians and nobody opts in."""
    if age_group(subject.birth_date, on) is AgeGroup.CHILD:
        raise NotEntitled("a child's passages go to the child's guardians only")
    if subject.citizen_id != citizen_id:
        raise NotEntitled("only the resident themselves chooses who is told of their passages")


def check_guardian(child_birth_date: date, guardian_birth_date: date | None, today: date) -> None:
    """A guardian is recorded for a child, and a resident guardian is an adult."""
    if age_group(child_birth_date, today) is AgeGroup.ADULT:
        raise CommunityRuleBroken("guardians are recorded for children only")
    if guardian_birth_date is not None and age_group(guardian_birth_date, today) is AgeGroup.CHILD:
        raise CommunityRuleBroken("a guardian must be an adult")


def check_occurred_at(
    occurred_at: datetime, now: datetime, rules: AccessRules = AccessRules()
) -> None:
    if occurred_at.tzinfo is None:
        raise NotAcceptable("occurred_at must carry a time zone")
    if occurred_at > now + rules.max_clock_skew:
        raise NotAcceptable("occurred_at is in the future: the gate's clock is wrong")
    if occurred_at < now - rules.max_age:
        raise NotAcceptable("occurred_at is too old for a live gate")


def _with_phones(contacts: Iterable[Contact]) -> list[Contact]:
    """Contacts that can take a message, each number once."""
    seen: set[str] = set()
    reachable = []
    for contact in contacts:
        if contact.phone and contact.phone not in seen:
            seen.add(contact.phone)
            reachable.append(contact)
    return reachable


def snapshot_recipients(subject: Subject, on: date) -> list[Contact]:
    """Who is told of the subject's passage on day `on`, snapshot and all.

    A child (on that day): the child's guardians who have a phone. An adult: the contacts they
    chose, if they opted in themselves; otherwise nobody. Guardians of somebody who has come of
    age are told nothing, and no contact is ever told about a child."""
    if age_group(subject.birth_date, on) is AgeGroup.CHILD:
        return _with_phones(subject.guardians)
    if subject.opted_in:
        return _with_phones(subject.chosen_contacts)
    return []


_DIRECTION_ZH = {Direction.IN: "进入", Direction.OUT: "离开"}


def access_message(
    name: str, community_name: str, direction: Direction, occurred_at: datetime, snapshot: str
) -> str:
    local = occurred_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    text = f"【智慧社区】{name} 于 {local} {_DIRECTION_ZH[direction]}{community_name}。"
    return text + (f"抓拍：{snapshot}" if snapshot else "")
