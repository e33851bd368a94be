"""Rules of school pickup: who may collect a child at a given moment, and the gate's decision.
No I/O.

The decision releases a child only when every check passes: the person at the gate is
authorised for the child at that moment (a current authorisation on the pickup list, or an
unexpired, unused delegation from a currently authorised guardian), the terminal's match
confidence reaches the threshold, a dismissal session of the child's class is running, the
child was not released already that day, and the event is fresh. Anything else holds the child
for staff verification, with every reason that applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.school_pickup import SCHOOL_TIME_ZONE, HoldReason, ReleasedToKind

LOCAL_TZ = ZoneInfo(SCHOOL_TIME_ZONE)

#: the terminal's match confidence a release needs at least; below it a person is held for
#: staff to look at, whoever the terminal thinks they are
DEFAULT_MIN_CONFIDENCE = 0.92
#: an event the terminal reports later than this after it happened is never a release: the
#: person may have gone, and the decision would be about a moment that has passed
DEFAULT_MAX_EVENT_AGE = timedelta(minutes=10)
#: an event time further ahead of the service's clock than this is a broken terminal clock
MAX_CLOCK_AHEAD = timedelta(minutes=2)

#: the order reasons are reported in; the first is the hold's headline
REASON_ORDER: tuple[HoldReason, ...] = tuple(HoldReason)


class PickupRuleBroken(ValueError):
    """A request that can never succeed as asked (422); the message says which rule."""


@dataclass(frozen=True)
class PickupRules:
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    max_event_age: timedelta = DEFAULT_MAX_EVENT_AGE

    def __post_init__(self) -> None:
        if not 0.0 < self.min_confidence <= 1.0:
            raise ValueError("min_confidence must be in (0, 1]")


@dataclass(frozen=True)
class Authorisation:
    """A guardian on the student's pickup list, with the validity period."""

    guardian_id: str
    person_ref: str
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    def covers(self, at: datetime) -> bool:
        # a revoked authorisation counts for nothing, even for an event seen just before it was
        # revoked but decided after
        if self.revoked_at is not None:
            return False
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class DelegationGrant:
    """A guardian's one-off permission for a named person."""

    delegation_id: str
    guardian_id: str
    person_ref: str
    valid_from: datetime
    valid_until: datetime
    used: bool = False


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class GateObservation:
    person_ref: str
    confidence: float
    seen_at: datetime


@dataclass(frozen=True)
class StudentFacts:
    """What is known about the child when the gate asks."""

    authorisations: Sequence[Authorisation] = ()
    delegations: Sequence[DelegationGrant] = ()
    sessions: Sequence[Window] = ()
    already_released: bool = False


@dataclass(frozen=True)
class Authority:
    """Who the person at the gate is to the child, when they may collect them."""

    kind: ReleasedToKind
    #: the guardian's id, or the delegation's
    id: str


@dataclass(frozen=True)
class Decision:
    authority: Authority | None
    reasons: tuple[HoldReason, ...] = field(default=())

    @property
    def released(self) -> bool:
        return not self.reasons and self.authority is not None


def guardian_authorised(
    authorisations: Iterable[Authorisation], guardian_id: str, at: datetime
) -> bool:
    return any(a.guardian_id == guardian_id and a.covers(at) for a in authorisations)


def authority_of(
    person_ref: str, facts: StudentFacts, at: datetime
) -> tuple[Authority | None, HoldReason | None]:
    """The person's authority over the child at `at`, or why they have none."""
    for grant in facts.authorisations:
        if grant.person_ref == person_ref and grant.covers(at):
            return Authority(ReleasedToKind.GUARDIAN, grant.guardian_id), None
    delegations = [d for d in facts.delegations if d.person_ref == person_ref]
    usable = [
        d
        for d in delegations
        if not d.used
        and d.valid_from <= at < d.valid_until
        # a delegation is no more than its guardian's own authority
        and guardian_authorised(facts.authorisations, d.guardian_id, at)
    ]
    if usable:
        chosen = min(usable, key=lambda d: (d.valid_until, d.delegation_id))
        return Authority(ReleasedToKind.DELEGATE, chosen.delegation_id), None
    if any(d.used for d in delegations):
        return None, HoldReason.DELEGATION_USED
    if any(d.valid_until <= at for d in delegations):
        return None, HoldReason.EXPIRED_DELEGATION
    return None, HoldReason.NOT_AUTHORISED


def decide(
    event: GateObservation, facts: StudentFacts, now: datetime, rules: PickupRules
) -> Decision:
    """Release or hold, with every reason that holds the child (in REASON_ORDER)."""
    at = event.seen_at
    reasons: set[HoldReason] = set()
    if facts.already_released:
        reasons.add(HoldReason.ALREADY_RELEASED)
    authority, missing = authority_of(event.person_ref, facts, at)
    if missing is not None:
        reasons.add(missing)
    # NaN compares false with everything: only a number at or above the threshold passes
    if not event.confidence >= rules.min_confidence:
        reasons.add(HoldReason.LOW_CONFIDENCE)
    if not any(s.covers(at) for s in facts.sessions):
        reasons.add(HoldReason.OUTSIDE_SESSION)
    if now - at > rules.max_event_age:
        reasons.add(HoldReason.STALE_EVENT)
    return Decision(authority, tuple(r for r in REASON_ORDER if r in reasons))


def check_event_time(seen_at: datetime, now: datetime) -> None:
    if seen_at - now > MAX_CLOCK_AHEAD:
        raise PickupRuleBroken("seen_at is ahead of the clock: check the terminal's time")


def local_day(at: datetime) -> date:
    """The city's local date of an instant: custody logs and reports count by it."""
    return at.astimezone(LOCAL_TZ).date()


def local_day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The instants at which local `first_day` begins and local `last_day` ends."""
    start = datetime.combine(first_day, datetime.min.time(), LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    return start, end


def check_delegation(
    authorisations: Iterable[Authorisation], guardian_id: str, valid_from: datetime, now: datetime
) -> None:
    """A guardian delegates only what they hold, and only for a window still to come."""
    if not guardian_authorised(authorisations, guardian_id, max(valid_from, now)):
        raise PickupRuleBroken("the guardian is not authorised for this student then")


def check_delegation_window(valid_until: datetime, now: datetime) -> None:
    if valid_until <= now:
        raise PickupRuleBroken("the delegation's window is already over")


# -- messages --------------------------------------------------------------------------------

REASON_TEXT: dict[HoldReason, str] = {
    HoldReason.ALREADY_RELEASED: "孩子今天已被接走",
    HoldReason.NOT_AUTHORISED: "来人不在授权接送名单上",
    HoldReason.EXPIRED_DELEGATION: "临时委托已过期",
    HoldReason.DELEGATION_USED: "临时委托已使用",
    HoldReason.LOW_CONFIDENCE: "人脸比对可信度不足",
    HoldReason.OUTSIDE_SESSION: "不在放学时段内",
    HoldReason.STALE_EVENT: "闸机事件上报过晚",
}


def hold_text(student_name: str, class_name: str, reasons: Sequence[HoldReason]) -> str:
    why = "；".join(REASON_TEXT[r] for r in reasons)
    return f"【校门接送】{class_name}{student_name}的接送已暂停，请到校门人工核验：{why}。"


def release_text(student_name: str, at: datetime, by_whom: str) -> str:
    return f"【校门接送】{student_name}已于{at.astimezone(LOCAL_TZ):%H:%M}由{by_whom}接走。"
