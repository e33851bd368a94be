"""Duty-roster use cases: a station's rules, leave, generating and editing a week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from contracts.errors import NotFound, ValidationFailed
from contracts.rosters import (
    LeaveCreate,
    OfficerFairness,
    RosterAssignment,
    RosterEdit,
    RosterViolation,
    RosterWeek,
    StationRules,
)
from services.management import store
from services.management.domain import rosters as rules_of
from services.management.domain.rosters import (
    Assignment,
    DateRange,
    Officer,
    Roster,
    RosterRules,
    ShiftTemplate,
    StaffingRule,
    Violation,
)

#: earlier weeks the generator looks at for rest, consecutive days and fairness
HISTORY_WEEKS = 4


def set_station_rules(session: Session, station_id: str, request: StationRules) -> StationRules:
    if store.unit(session, station_id) is None:
        raise NotFound("no such station")
    names = [s.name for s in request.shifts]
    if len(set(names)) != len(names):
        raise ValidationFailed("each shift name once")
    staffing = {s.shift: s for s in request.staffing}
    if unknown := sorted(set(staffing) - set(names)):
        raise ValidationFailed(f"staffing for shifts the station does not run: {unknown}")
    store.replace_station_shifts(
        session,
        station_id,
        [
            {
                "station_id": station_id,
                "name": s.name,
                "start": s.start,
                "duration_hours": s.duration_hours,
                "night": s.night,
                "weekday_minimum": staffing[s.name].weekday_minimum if s.name in staffing else 0,
                "weekend_minimum": staffing[s.name].weekend_minimum if s.name in staffing else None,
            }
            for s in request.shifts
        ],
    )
    return request


def add_leave(session: Session, officer_id: str, request: LeaveCreate) -> None:
    if request.last < request.first:
        raise ValidationFailed("leave cannot end before it starts")
    if store.officer_by_id(session, officer_id) is None:
        raise NotFound("no such officer")
    store.add_leave(session, {"officer_id": officer_id, **request.model_dump()})


def _monday(week_start: date) -> date:
    if week_start.weekday() != 0:
        raise ValidationFailed("a roster week starts on a Monday")
    return week_start


class _StationWeek:
    """Everything the roster rules need about one station and week, read once."""

    def __init__(
        self, session: Session, station_id: str, week_start: date, settings_rules: RosterRules
    ) -> None:
        rows = store.station_shift_rows(session, station_id)
        if not rows:
            raise ValidationFailed("the station has no shifts: set its rules first")
        self.rules = settings_rules
        self.templates = [ShiftTemplate(r.name, r.start, r.duration_hours, r.night) for r in rows]
        self.staffing = StaffingRule(
            station_id,
            {r.name: r.weekday_minimum for r in rows},
            {r.name: r.weekend_minimum for r in rows if r.weekend_minimum is not None} or None,
        )
        ids = [r.id for r in store.station_officers(session, station_id)]
        last = week_start + timedelta(days=6)
        leave: dict[str, list[DateRange]] = {}
        for r in store.leave_of(session, ids, week_start, last):
            leave.setdefault(r.officer_id, []).append(DateRange(r.first, r.last))
        self.officers = [Officer(i, leave=tuple(leave.get(i, ()))) for i in ids]
        self.history = [
            _assignment(r)
            for r in store.assignments_between(
                session,
                station_id,
                week_start - timedelta(weeks=HISTORY_WEEKS),
                week_start - timedelta(days=1),
            )
        ]
        self.current = [
            _assignment(r) for r in store.assignments_between(session, station_id, week_start, last)
        ]


def _assignment(row: Any) -> Assignment:
    return Assignment(row.officer_id, row.day, row.shift, row.start, row.end, row.night)


def _violation(v: Violation) -> RosterViolation:
    return RosterViolation(
        code=str(v.code),
        message=v.message,
        officer_id=v.officer_id,
        day=v.day,
        shift=v.shift,
        shortfall=v.shortfall,
    )


def _week(
    rules: RosterRules,
    station_id: str,
    week_start: date,
    assignments: list[Assignment],
    unmet: list[Violation],
    history: list[Assignment],
) -> RosterWeek:
    fairness = rules_of.fairness([*history, *assignments])
    zone = rules.zone
    return RosterWeek(
        station_id=station_id,
        week_start=week_start,
        assignments=[
            RosterAssignment(
                officer_id=a.officer_id,
                day=a.day,
                shift=a.shift,
                start=a.start.astimezone(zone),
                end=a.end.astimezone(zone),
                night=a.night,
            )
            for a in sorted(assignments, key=lambda a: (a.start_utc, a.officer_id))
        ],
        unmet=[_violation(v) for v in unmet],
        fairness={
            officer: OfficerFairness(nights=f.nights, weekend_shifts=f.weekend_shifts)
            for officer, f in sorted(fairness.items())
        },
    )


def _store_week(
    session: Session, station_id: str, week_start: date, assignments: list[Assignment]
) -> None:
    store.replace_week(
        session,
        station_id,
        week_start,
        [
            {
                "station_id": station_id,
                "week_start": week_start,
                "officer_id": a.officer_id,
                "day": a.day,
                "shift": a.shift,
                "start": a.start,
                "end": a.end,
                "night": a.night,
            }
            for a in assignments
        ],
    )


def generate_week(
    session: Session, station_id: str, week_start: date, rules: RosterRules
) -> RosterWeek:
    week = _StationWeek(session, station_id, _monday(week_start), rules)
    generated = rules_of.generate(
        week.officers, week.staffing, week.templates, rules, week_start, week.history
    )
    assignments = list(generated.roster.assignments)
    _store_week(session, station_id, week_start, assignments)
    return _week(rules, station_id, week_start, assignments, list(generated.unmet), week.history)


def roster_week(
    session: Session, station_id: str, week_start: date, rules: RosterRules
) -> RosterWeek:
    week = _StationWeek(session, station_id, _monday(week_start), rules)
    unmet = rules_of.validate(
        Roster(tuple(week.current)),
        week.officers,
        week.staffing,
        week.templates,
        rules,
        week_start,
        week.history,
    )
    return _week(rules, station_id, week_start, week.current, unmet, week.history)


def edit_week(
    session: Session, station_id: str, week_start: date, edit: RosterEdit, rules: RosterRules
) -> RosterWeek:
    """Apply a supervisor's edit if it breaks no rule for any officer; staffing that stays
    short is reported, not refused (the supervisor may be filling it in steps)."""
    week = _StationWeek(session, station_id, _monday(week_start), rules)
    templates = {t.name: t for t in week.templates}
    removed = {(s.officer_id, s.day, s.shift) for s in edit.remove}
    kept = [a for a in week.current if (a.officer_id, a.day, a.shift) not in removed]
    for slot in edit.add:
        if slot.shift not in templates:
            raise ValidationFailed(f"the station runs no shift {slot.shift}")
        kept.append(
            rules_of.assignment_for(slot.officer_id, slot.day, templates[slot.shift], rules)
        )
    found = rules_of.validate(
        Roster(tuple(kept)),
        week.officers,
        week.staffing,
        week.templates,
        rules,
        week_start,
        week.history,
    )
    broken = [v for v in found if v.code is not rules_of.ViolationCode.UNDERSTAFFED]
    if broken:
        codes = ", ".join(sorted({v.code.value for v in broken}))
        raise ValidationFailed(
            f"the edit breaks roster rules ({codes})",
            errors=[{"field": v.code.value, "problem": v.message} for v in broken],
        )
    _store_week(session, station_id, week_start, kept)
    return _week(rules, station_id, week_start, kept, found, week.history)
