"""Performance statistics of a unit for a period, with the change against the previous period
and against the same period a year earlier (the figures a bureau publishes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.statistics import PeriodKind


@dataclass(frozen=True)
class Period:
    first: date
    #: exclusive
    end: date


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(kind: PeriodKind, first: date) -> Period:
    """The period of this kind starting on `first`, which must be where such periods start."""
    if kind is PeriodKind.WEEK:
        if first.weekday() != 0:
            raise ValueError("a week starts on a Monday")
        return Period(first, first + timedelta(days=7))
    if first.day != 1:
        raise ValueError(f"a {kind} starts on the first of a month")
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    if kind is PeriodKind.QUARTER and (first.month - 1) % 3:
        raise ValueError("a quarter starts in January, April, July or October")
    if kind is PeriodKind.YEAR and first.month != 1:
        raise ValueError("a year starts on 1 January")
    return Period(first, _add_months(first, months))


def previous(kind: PeriodKind, period: Period) -> Period:
    if kind is PeriodKind.WEEK:
        return Period(period.first - timedelta(days=7), period.first)
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    return Period(_add_months(period.first, -months), period.first)


def a_year_before(kind: PeriodKind, period: Period) -> Period:
    if kind is PeriodKind.WEEK:  # the same ISO week of the year before
        return Period(period.first - timedelta(weeks=52), period.end - timedelta(weeks=52))
    return Period(_add_months(period.first, -12), _add_months(period.end, -12))


@dataclass(frozen=True)
class Counts:
    incidents: int
    solved: int

    @property
    def solve_rate(self) -> float | None:
        """Cases solved per incident reported in the same period."""
        return self.solved / self.incidents if self.incidents else None


def change_percent(now: float | None, before: float | None) -> float | None:
    """+12.5 for a rise of an eighth; None where there is nothing to compare with."""
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / before * 100, 2)


def change_points(now: float | None, before: float | None) -> float | None:
    """A rate's change in percentage points ("solved +0.65%")."""
    if now is None or before is None:
        return None
    return round((now - before) * 100, 2)
