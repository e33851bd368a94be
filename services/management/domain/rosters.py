"""Duty rosters: shift templates, staffing minimums, officer availability and a week generator.

A shift belongs to the local date on which it starts (a night shift 00:00–08:00 on Saturday is a
Saturday shift, and so a weekend shift). Hours count towards the week of the shift's date.
Every duration is computed on UTC instants, never on wall-clock differences, so that a zone
with daylight saving would still give the true rest and hours.

`validate` is the single judge of a roster, whether generated or edited by hand; `generate`
uses the very same per-officer checks, so a generated roster can only fall short on staffing,
and says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

DAYS_IN_WEEK = 7
SATURDAY = 5
ONE_DAY = timedelta(days=1)


class ViolationCode(StrEnum):
    UNDERSTAFFED = "understaffed"
    OVERLAP = "overlap"
    REST_TOO_SHORT = "rest_too_short"
    OVER_MAX_HOURS = "over_max_hours"
    TOO_MANY_CONSECUTIVE_DAYS = "too_many_consecutive_days"
    ON_LEAVE = "on_leave"
    UNAVAILABLE = "unavailable"
    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_SHIFT = "unknown_shift"
    OUTSIDE_WEEK = "outside_week"
    TIMES_MISMATCH = "times_mismatch"


# An officer who cannot turn up does not count towards a shift's staffing.
_ABSENCE_CODES = frozenset({ViolationCode.ON_LEAVE, ViolationCode.UNAVAILABLE})


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift as the station runs it every day: starts at a local wall-clock time."""

    name: str
    start: time
    duration_hours: float
    night: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a shift template needs a name")
        if self.start.tzinfo is not None:
            raise ValueError("a shift template starts at a local time; the zone is in the rules")
        if not 0 < self.duration_hours <= 24:
            raise ValueError(f"shift {self.name}: duration must be within (0, 24] hours")

    @property
    def duration(self) -> timedelta:
        return timedelta(hours=self.duration_hours)


@dataclass(frozen=True)
class StaffingRule:
    """Minimum officers per shift name; a weekend figure, where given, replaces the weekday one."""

    station_id: str
    minimum: Mapping[str, int]
    weekend_minimum: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        for counts in (self.minimum, self.weekend_minimum or {}):
            if any(count < 0 for count in counts.values()):
                raise ValueError(f"station {self.station_id}: a minimum cannot be negative")

    def required(self, shift: str, day: date) -> int:
        if day.weekday() >= SATURDAY and self.weekend_minimum and shift in self.weekend_minimum:
            return self.weekend_minimum[shift]
        return self.minimum.get(shift, 0)

    @property
    def shift_names(self) -> frozenset[str]:
        return frozenset(self.minimum) | frozenset(self.weekend_minimum or {})


@dataclass(frozen=True)
class DateRange:
    """Whole local days, both ends included (leave is granted in days)."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a date range cannot end before it starts")

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Interval:
    """A stretch of time an officer cannot work (a court date, training), end excluded."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "an unavailable interval's start")
        _require_aware(self.end, "an unavailable interval's end")
        if self.end <= self.start:
            raise ValueError("an unavailable interval must end after it starts")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Officer:
    officer_id: str
    max_hours_per_week: float | None = None
    leave: tuple[DateRange, ...] = ()
    unavailable: tuple[Interval, ...] = ()

    def available_on(self, day: date) -> bool:
        return not any(period.contains(day) for period in self.leave)


@dataclass(frozen=True)
class RosterRules:
    min_rest_hours: float = 11
    max_consecutive_days: int = 6
    max_hours_per_week: float = 40
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.min_rest_hours < 0 or self.max_consecutive_days < 1 or self.max_hours_per_week < 0:
            raise ValueError("roster rules need rest ≥ 0, consecutive days ≥ 1 and hours ≥ 0")
        ZoneInfo(self.timezone)  # an unknown zone fails here rather than mid-generation

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def min_rest(self) -> timedelta:
        return timedelta(hours=self.min_rest_hours)

    def hours_limit(self, officer: Officer) -> timedelta:
        limit = self.max_hours_per_week
        if officer.max_hours_per_week is not None:
            limit = min(limit, officer.max_hours_per_week)
        return timedelta(hours=limit)


@dataclass(frozen=True)
class Assignment:
    """One officer on one shift. `day` is the local date the shift starts on."""

    officer_id: str
    day: date
    shift: str
    start: datetime
    end: datetime
    night: bool

    def __post_init__(self) -> None:
        _require_aware(self.start, "an assignment's start")
        _require_aware(self.end, "an assignment's end")
        if self.end <= self.start:
            raise ValueError("an assignment must end after it starts")

    @cached_property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @cached_property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    @cached_property
    def duration(self) -> timedelta:
        return self.end_utc - self.start_utc

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= SATURDAY

    @property
    def label(self) -> str:
        return f"{self.shift} on {self.day.isoformat()}"


def assignment_for(
    officer_id: str, day: date, template: ShiftTemplate, rules: RosterRules
) -> Assignment:
    """An officer on a template's shift on a local day: how a manual edit makes an assignment."""
    zone = rules.zone
    # Through UTC so that a wall-clock start in a DST gap or a shift spanning a change still
    # lasts exactly its duration.
    start_utc = datetime.combine(day, template.start, tzinfo=zone).astimezone(UTC)
    return Assignment(
        officer_id=officer_id,
        day=day,
        shift=template.name,
        start=start_utc.astimezone(zone),
        end=(start_utc + template.duration).astimezone(zone),
        night=template.night,
    )


@dataclass(frozen=True)
class Roster:
    assignments: tuple[Assignment, ...] = ()

    def on(self, day: date, shift: str) -> tuple[str, ...]:
        return tuple(
            sorted(a.officer_id for a in self.assignments if a.day == day and a.shift == shift)
        )

    def of(self, officer_id: str) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.officer_id == officer_id)


@dataclass(frozen=True)
class Violation:
    """A broken or unmet rule. `shortfall` is how many officers a shift lacks (understaffed)."""

    code: ViolationCode
    message: str
    officer_id: str | None = None
    day: date | None = None
    shift: str | None = None
    shortfall: int = 0


class Fairness(NamedTuple):
    nights: int
    weekend_shifts: int


@dataclass(frozen=True)
class GeneratedWeek:
    """The week's roster, what it could not meet, and each officer's nights/weekends to date."""

    roster: Roster
    unmet: tuple[Violation, ...]
    fairness_to_date: Mapping[str, Fairness]

    @property
    def complete(self) -> bool:
        return not self.unmet


def fairness(assignments: Iterable[Assignment]) -> dict[str, Fairness]:
    """Nights and weekend shifts per officer; officers without any assignment are absent."""
    counts: dict[str, Fairness] = {}
    for assignment in assignments:
        nights, weekends = counts.get(assignment.officer_id, Fairness(0, 0))
        counts[assignment.officer_id] = Fairness(
            nights + assignment.night, weekends + assignment.weekend
        )
    return counts


# --- the checks both validate and generate rely on -------------------------------------------


@dataclass(frozen=True)
class _Week:
    first: date
    rules: RosterRules
    templates: Mapping[str, ShiftTemplate]

    @property
    def days(self) -> list[date]:
        return [self.first + ONE_DAY * offset for offset in range(DAYS_IN_WEEK)]

    def contains(self, day: date) -> bool:
        return self.first <= day < self.first + ONE_DAY * DAYS_IN_WEEK

    @cached_property
    def starts_utc(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.rules.zone).astimezone(UTC)

    def shift_order(self, shift: str | None) -> int:
        names = list(self.templates)
        return names.index(shift) if shift in names else -1


def _prepare(
    officers: Iterable[Officer],
    staffing: StaffingRule,
    templates: Iterable[ShiftTemplate],
    rules: RosterRules,
    week_start: date,
    history: Iterable[Assignment] | None,
) -> tuple[_Week, dict[str, Officer], list[Assignment]]:
    if week_start.weekday() != 0:
        raise ValueError(f"a roster week starts on a Monday, not {week_start:%A %Y-%m-%d}")
    by_name: dict[str, ShiftTemplate] = {}
    for template in sorted(templates, key=lambda t: (t.start, t.name)):
        if template.name in by_name:
            raise ValueError(f"two shift templates are named {template.name}")
        by_name[template.name] = template
    unknown = sorted(staffing.shift_names - by_name.keys())
    if unknown:
        raise ValueError(f"staffing names shifts without a template: {', '.join(unknown)}")
    by_id: dict[str, Officer] = {}
    for officer in sorted(officers, key=lambda o: o.officer_id):
        if officer.officer_id in by_id:
            raise ValueError(f"officer {officer.officer_id} is listed twice")
        by_id[officer.officer_id] = officer
    earlier = sorted(history or (), key=lambda a: (a.start_utc, a.shift, a.officer_id))
    late = [a for a in earlier if a.day >= week_start]
    if late:
        raise ValueError(f"history must end before {week_start}; {late[0].label} does not")
    return _Week(week_start, rules, by_name), by_id, earlier


def _recent(history: Iterable[Assignment], week: _Week) -> list[Assignment]:
    """The history that can still bind this week: rest across the boundary, a running streak."""
    streak_horizon = week.first - ONE_DAY * (week.rules.max_consecutive_days + 1)
    return [
        a
        for a in history
        if a.day >= streak_horizon or a.end_utc + week.rules.min_rest > week.starts_utc
    ]


def _streak(days: set[date], day: date) -> int:
    before = 0
    while day - ONE_DAY * (before + 1) in days:
        before += 1
    after = 0
    while day + ONE_DAY * (after + 1) in days:
        after += 1
    return before + 1 + after


def _breaches(
    officer: Officer, candidate: Assignment, others: Sequence[Assignment], week: _Week
) -> Iterator[Violation]:
    """What the officer working `candidate` would break, given their `others` assignments.

    `candidate.officer_id` is not consulted, so the generator can test one shift's shape for
    every officer. Lazy, so a caller that only asks "any?" stops at the first breach.
    """
    oid = officer.officer_id

    def found(code: ViolationCode, message: str) -> Violation:
        return Violation(code, f"officer {oid}: {message}", oid, candidate.day, candidate.shift)

    if not officer.available_on(candidate.day):
        yield found(ViolationCode.ON_LEAVE, f"on leave, yet on {candidate.label}")
    if any(p.overlaps(candidate.start_utc, candidate.end_utc) for p in officer.unavailable):
        yield found(ViolationCode.UNAVAILABLE, f"unavailable during {candidate.label}")
    rest = week.rules.min_rest
    for other in others:
        if other.start_utc < candidate.end_utc and candidate.start_utc < other.end_utc:
            yield found(ViolationCode.OVERLAP, f"{candidate.label} overlaps {other.label}")
            continue
        if other.start_utc < candidate.start_utc:
            gap = candidate.start_utc - other.end_utc
        else:
            gap = other.start_utc - candidate.end_utc
        if gap < rest:
            yield found(
                ViolationCode.REST_TOO_SHORT,
                f"only {_hours(gap)} of rest between {other.label} and {candidate.label}"
                f" (minimum {_hours(rest)})",
            )
    if week.contains(candidate.day):
        worked = sum((o.duration for o in others if week.contains(o.day)), candidate.duration)
        limit = week.rules.hours_limit(officer)
        if worked > limit:
            yield found(
                ViolationCode.OVER_MAX_HOURS,
                f"{candidate.label} makes {_hours(worked)} in the week of {week.first}"
                f" (maximum {_hours(limit)})",
            )
    streak = _streak({o.day for o in others}, candidate.day)
    if streak > week.rules.max_consecutive_days:
        yield found(
            ViolationCode.TOO_MANY_CONSECUTIVE_DAYS,
            f"{candidate.label} makes {streak} consecutive working days"
            f" (maximum {week.rules.max_consecutive_days})",
        )


def _shortfall(day: date, shift: str, required: int, present: int) -> Violation:
    short = required - present
    return Violation(
        ViolationCode.UNDERSTAFFED,
        f"{day.isoformat()} ({day:%a}) {shift}: {short} officer{'s' if short != 1 else ''} short"
        f" ({present} of the minimum {required})",
        None,
        day,
        shift,
        short,
    )


# --- validate ----------------------------------------------------------------------------------


def validate(
    roster: Roster,
    officers: Iterable[Officer],
    staffing: StaffingRule,
    templates: Iterable[ShiftTemplate],
    rules: RosterRules,
    week_start: date,
    history: Iterable[Assignment] | None = None,
) -> list[Violation]:
    """Every rule `roster` breaks in the week from `week_start`, each naming officer, day, shift.

    `history` is what officers worked before the week; it is read, never judged, except where
    the week's assignments clash with it (rest across the boundary, a streak running on).
    """
    week, by_id, earlier = _prepare(officers, staffing, templates, rules, week_start, history)
    violations: list[Violation] = []
    judged: list[tuple[Officer, Assignment]] = []
    for assignment in roster.assignments:
        officer = by_id.get(assignment.officer_id)
        template = week.templates.get(assignment.shift)
        where = f"officer {assignment.officer_id}: {assignment.label}"
        if officer is None:
            violations.append(
                _about(ViolationCode.UNKNOWN_OFFICER, f"{where}: not on the station", assignment)
            )
            continue
        if template is None:
            violations.append(
                _about(ViolationCode.UNKNOWN_SHIFT, f"{where}: no such shift", assignment)
            )
            continue
        if not week.contains(assignment.day):
            violations.append(
                _about(
                    ViolationCode.OUTSIDE_WEEK,
                    f"{where}: outside the week of {week.first}",
                    assignment,
                )
            )
            continue
        expected = assignment_for(assignment.officer_id, assignment.day, template, rules)
        if (assignment.start_utc, assignment.end_utc, assignment.night) != (
            expected.start_utc,
            expected.end_utc,
            expected.night,
        ):
            violations.append(
                _about(
                    ViolationCode.TIMES_MISMATCH,
                    f"{where}: {assignment.start.isoformat()}–{assignment.end.isoformat()}"
                    f" (night={assignment.night}) is not the {template.name} shift"
                    f" {expected.start.isoformat()}–{expected.end.isoformat()}"
                    f" (night={expected.night})",
                    assignment,
                )
            )
        judged.append((officer, assignment))

    past = _recent(earlier, week)
    absent: set[tuple[str, date, str]] = set()
    for officer_id, officer in by_id.items():
        own = sorted(
            (a for o, a in judged if o.officer_id == officer_id),
            key=lambda a: (a.start_utc, week.shift_order(a.shift)),
        )
        seen = [a for a in past if a.officer_id == officer_id]
        hours_reported = False
        streak_days: set[date] = set()
        for assignment in own:
            for violation in _breaches(officer, assignment, seen, week):
                # Checking in time order against what came before names each clash once, at
                # its later shift; a week over its hours or a streak too long is named once, where
                # it first goes over.
                if violation.code is ViolationCode.OVER_MAX_HOURS:
                    if hours_reported:
                        continue
                    hours_reported = True
                if violation.code is ViolationCode.TOO_MANY_CONSECUTIVE_DAYS:
                    continuing = streak_days & {assignment.day, assignment.day - ONE_DAY}
                    streak_days.add(assignment.day)
                    if continuing:
                        continue
                if violation.code in _ABSENCE_CODES:
                    absent.add((officer_id, assignment.day, assignment.shift))
                violations.append(violation)
            seen.append(assignment)

    for day in week.days:
        for name in week.templates:
            required = staffing.required(name, day)
            present = {
                a.officer_id
                for _, a in judged
                if a.day == day and a.shift == name and (a.officer_id, a.day, a.shift) not in absent
            }
            if len(present) < required:
                violations.append(_shortfall(day, name, required, len(present)))

    violations.sort(
        key=lambda v: (
            v.day or date.min,
            week.shift_order(v.shift),
            v.officer_id or "",
            v.code,
        )
    )
    return violations


def _about(code: ViolationCode, message: str, assignment: Assignment) -> Violation:
    return Violation(code, message, assignment.officer_id, assignment.day, assignment.shift)


# --- generate ----------------------------------------------------------------------------------


@dataclass
class _Slot:
    day: date
    template: ShiftTemplate
    required: int
    shape: Assignment
    staff: list[str] = dataclasses.field(default_factory=list)

    @property
    def short(self) -> int:
        return self.required - len(self.staff)

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= SATURDAY

    @property
    def hardness(self) -> tuple[int, date, time]:
        # Nights and weekends first: they are the shifts fairness is about, and the ones that
        # consume rest and streaks most, so they get the widest choice of officers.
        tier = (0 if self.template.night else 1) + (0 if self.weekend else 2)
        return (tier, self.day, self.template.start)


class _Plan:
    """The week being built, with each officer's running counts."""

    def __init__(
        self, officers: Mapping[str, Officer], week: _Week, history: Sequence[Assignment]
    ) -> None:
        self.officers = officers
        self.week = week
        past = _recent(history, week)
        self.worked: dict[str, list[Assignment]] = {
            oid: [a for a in past if a.officer_id == oid] for oid in officers
        }
        so_far = fairness(a for a in history if a.officer_id in officers)
        self.nights = {oid: so_far.get(oid, Fairness(0, 0)).nights for oid in officers}
        self.weekends = {oid: so_far.get(oid, Fairness(0, 0)).weekend_shifts for oid in officers}
        self.hours = dict.fromkeys(officers, timedelta())

    def can_take(self, officer: Officer, slot: _Slot, without: Assignment | None = None) -> bool:
        if officer.officer_id in slot.staff:
            return False
        others = [a for a in self.worked[officer.officer_id] if a is not without]
        return next(_breaches(officer, slot.shape, others, self.week), None) is None

    def preference(self, slot: _Slot) -> list[Officer]:
        """Officers in the order the slot should go to them: fewest nights/weekends so far."""

        def standing(officer: Officer) -> tuple[object, ...]:
            oid = officer.officer_id
            counts: tuple[int, ...] = ()
            if slot.template.night:
                counts += (self.nights[oid],)
            if slot.weekend:
                counts += (self.weekends[oid],)
            return (*counts, self.hours[oid], oid)

        return sorted(self.officers.values(), key=standing)

    def assign(self, officer: Officer, slot: _Slot) -> None:
        oid = officer.officer_id
        self.worked[oid].append(dataclasses.replace(slot.shape, officer_id=oid))
        slot.staff.append(oid)
        self._count(oid, slot.shape, +1)

    def release(self, assignment: Assignment, slot: _Slot) -> None:
        oid = assignment.officer_id
        self.worked[oid].remove(assignment)
        slot.staff.remove(oid)
        self._count(oid, assignment, -1)

    def _count(self, oid: str, shape: Assignment, sign: int) -> None:
        self.nights[oid] += sign * shape.night
        self.weekends[oid] += sign * shape.weekend
        self.hours[oid] += sign * shape.duration

    def slack(self, slot: _Slot) -> int:
        return sum(self.can_take(o, slot) for o in self.officers.values()) - slot.short

    def fill(self, slot: _Slot) -> None:
        for officer in self.preference(slot):
            if slot.short <= 0:
                return
            if self.can_take(officer, slot):
                self.assign(officer, slot)

    def repair(self, slot: _Slot, slots: Mapping[tuple[date, str], _Slot]) -> bool:
        """Move one officer onto the short slot and backfill the shift they leave.

        Greedy choices can leave a shift short only because the one officer who could take it
        was spent elsewhere; one move with a backfill fixes most of those.
        """
        for mover in self.preference(slot):
            for given_up in sorted(self.in_week(mover.officer_id), key=lambda a: a.start_utc):
                if not self.can_take(mover, slot, without=given_up):
                    continue
                vacated = slots[(given_up.day, given_up.shift)]
                for substitute in self.preference(vacated):
                    if substitute is mover or not self.can_take(substitute, vacated):
                        continue
                    self.release(given_up, vacated)
                    self.assign(mover, slot)
                    self.assign(substitute, vacated)
                    return True
        return False

    def in_week(self, oid: str) -> list[Assignment]:
        return [a for a in self.worked[oid] if self.week.contains(a.day)]


def generate(
    officers: Iterable[Officer],
    staffing: StaffingRule,
    templates: Iterable[ShiftTemplate],
    rules: RosterRules,
    week_start: date,
    history: Iterable[Assignment] | None = None,
) -> GeneratedWeek:
    """Fill the week from `week_start` (a Monday) up to each shift's minimum staffing.

    No officer's hard rules are ever broken to staff a shift; a shift that cannot be staffed is
    left short and named in `unmet`. `history` (earlier weeks) feeds rest, streaks and fairness.
    """
    week, by_id, earlier = _prepare(officers, staffing, templates, rules, week_start, history)
    plan = _Plan(by_id, week, earlier)
    slots: dict[tuple[date, str], _Slot] = {}
    for day in week.days:
        for name, template in week.templates.items():
            slots[(day, name)] = _Slot(
                day,
                template,
                staffing.required(name, day),
                assignment_for("", day, template, rules),
            )

    pending = [slot for slot in slots.values() if slot.required > 0]
    while pending:
        # A shift with no officer to spare goes before the usual order, while it can be filled.
        slot = min(pending, key=lambda s: (plan.slack(s) > 0, s.hardness))
        pending.remove(slot)
        plan.fill(slot)
    for slot in sorted(slots.values(), key=lambda s: s.hardness):
        while slot.short > 0 and plan.repair(slot, slots):
            pass

    assignments = sorted(
        (a for oid in by_id for a in plan.in_week(oid)),
        key=lambda a: (a.start_utc, week.shift_order(a.shift), a.officer_id),
    )
    roster = Roster(tuple(assignments))
    # The generator's result goes through the same judge as a manual edit, so nothing it could
    # not meet goes unreported.
    unmet = validate(
        roster, by_id.values(), staffing, week.templates.values(), rules, week_start, earlier
    )
    to_date = fairness([*(a for a in earlier if a.officer_id in by_id), *assignments])
    return GeneratedWeek(
        roster=roster,
        unmet=tuple(unmet),
        fairness_to_date={oid: to_date.get(oid, Fairness(0, 0)) for oid in by_id},
    )
