from datetime import date

import pytest

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


def test_periods_and_their_comparisons() -> None:
    march = period_of(PeriodKind.MONTH, date(2026, 3, 1))
    assert march == Period(date(2026, 3, 1), date(2026, 4, 1))
    assert previous(PeriodKind.MONTH, march) == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert a_year_before(PeriodKind.MONTH, march) == Period(date(2025, 3, 1), date(2025, 4, 1))
    january = period_of(PeriodKind.MONTH, date(2026, 1, 1))
    assert previous(PeriodKind.MONTH, january).first == date(2025, 12, 1)
    q4 = period_of(PeriodKind.QUARTER, date(2026, 10, 1))
    assert q4.end == date(2027, 1, 1)
    week = period_of(PeriodKind.WEEK, date(2026, 11, 30))
    assert previous(PeriodKind.WEEK, week).first == date(2026, 11, 23)
    assert a_year_before(PeriodKind.WEEK, week).first == date(2025, 12, 1)


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        (PeriodKind.WEEK, date(2026, 12, 1)),
        (PeriodKind.MONTH, date(2026, 3, 2)),
        (PeriodKind.QUARTER, date(2026, 2, 1)),
        (PeriodKind.YEAR, date(2026, 7, 1)),
    ],
)
def test_a_period_must_start_where_such_periods_start(kind: PeriodKind, first: date) -> None:
    with pytest.raises(ValueError):
        period_of(kind, first)


def test_the_published_kind_of_figures() -> None:
    now, before = Counts(incidents=1150, solved=253), Counts(incidents=1200, solved=256)
    assert change_percent(now.incidents, before.incidents) == -4.17
    assert now.solve_rate == pytest.approx(0.22)
    assert change_points(now.solve_rate, before.solve_rate) == 0.67
    assert change_percent(5, 0) is None and Counts(0, 0).solve_rate is None
