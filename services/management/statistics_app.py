"""Performance statistics: counts kept from the pillars' events, figures per unit and period."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contracts.cases import CaseChanged, CaseStatus
from contracts.errors import NotFound, ValidationFailed
from contracts.incidents import IncidentsRecorded
from contracts.statistics import Performance, UnitFigures
from services.management import store
from services.management.domain.dispatch import response_figures
from services.management.domain.statistics import (
    Counts,
    Period,
    PeriodKind,
    a_year_before,
    change_percent,
    change_points,
    period_of,
    previous,
)


def count_incidents(session: Session, recorded: IncidentsRecorded, time_zone: str) -> None:
    zone = ZoneInfo(time_zone)
    counts = Counter(
        (i.reported_at.astimezone(zone).date(), i.unit_path) for i in recorded.incidents
    )
    store.add_incident_counts(session, dict(counts))


def keep_case(session: Session, case: CaseChanged, time_zone: str) -> None:
    solved = case.status is CaseStatus.SOLVED
    store.keep_case_fact(
        session,
        {
            "case_id": case.case_id,
            "unit_path": case.unit_path,
            "status": str(case.status),
            "solved_on": case.changed_at.astimezone(ZoneInfo(time_zone)).date() if solved else None,
            "changed_at": case.changed_at,
        },
    )


def _counts(session: Session, unit_path: str, period: Period) -> Counts:
    return Counts(
        incidents=store.incidents_between(session, unit_path, period.first, period.end),
        solved=store.solved_between(session, unit_path, period.first, period.end),
    )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _figures(
    session: Session,
    unit_id: str,
    unit_path: str,
    kind: PeriodKind,
    period: Period,
    zone: ZoneInfo,
) -> UnitFigures:
    now = _counts(session, unit_path, period)
    before = _counts(session, unit_path, previous(kind, period))
    last_year = _counts(session, unit_path, a_year_before(kind, period))
    arrivals = store.arrivals(session, _midnight(period.first, zone), _midnight(period.end, zone))
    response = response_figures([(r.created_at, r.on_scene_at) for r in arrivals])
    return UnitFigures(
        unit_id=unit_id,
        unit_path=unit_path,
        incidents=now.incidents,
        solved=now.solved,
        solve_rate=round(now.solve_rate, 4) if now.solve_rate is not None else None,
        response_median_s=response.median_s,
        incidents_vs_previous_pct=change_percent(now.incidents, before.incidents),
        incidents_vs_last_year_pct=change_percent(now.incidents, last_year.incidents),
        solved_vs_previous_pct=change_percent(now.solved, before.solved),
        solved_vs_last_year_pct=change_percent(now.solved, last_year.solved),
        solve_rate_vs_previous_pts=change_points(now.solve_rate, before.solve_rate),
        solve_rate_vs_last_year_pts=change_points(now.solve_rate, last_year.solve_rate),
    )


def performance(
    session: Session, unit_id: str, kind: PeriodKind, first: date, time_zone: str
) -> Performance:
    unit = store.unit(session, unit_id)
    if unit is None:
        raise NotFound("no such unit")
    try:
        period = period_of(kind, first)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    zone = ZoneInfo(time_zone)
    return Performance(
        period=str(kind),
        first=period.first,
        end=period.end,
        unit=_figures(session, unit_id, unit.path, kind, period, zone),
        children=[
            _figures(session, child.id, child.path, kind, period, zone)
            for child in store.child_units(session, unit.path)
        ],
    )
