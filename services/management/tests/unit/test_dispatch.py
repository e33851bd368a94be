from datetime import UTC, datetime, timedelta

import pytest

from services.management.domain.dispatch import (
    DispatchRuleBroken,
    PatrolUnit,
    TaskStatus,
    UnitStatus,
    check_assignable,
    check_move,
    recommend,
    response_figures,
)

SCENE = (22.5431, 114.0579)


def unit(unit_id: str, metres_north: float, status: UnitStatus) -> PatrolUnit:
    return PatrolUnit(unit_id, "ft-1", SCENE[0] + metres_north / 110_540, SCENE[1], status)


def test_the_nearest_available_unit_first_never_a_busy_or_off_duty_one() -> None:
    units = [
        unit("busy-near", 50, UnitStatus.EN_ROUTE),
        unit("off-nearer", 10, UnitStatus.OFF_DUTY),
        unit("far", 3000, UnitStatus.AVAILABLE),
        unit("near", 400, UnitStatus.AVAILABLE),
        unit("on-scene", 5, UnitStatus.ON_SCENE),
        unit("assigned", 1, UnitStatus.ASSIGNED),
    ]
    ranked = recommend(units, *SCENE)
    assert [u.unit_id for _, u in ranked] == ["near", "far"]
    assert ranked[0][0] == pytest.approx(400, rel=0.01)
    assert recommend([u for u in units if u.status is not UnitStatus.AVAILABLE], *SCENE) == []


def test_only_an_available_unit_is_assigned() -> None:
    check_assignable(unit("a", 0, UnitStatus.AVAILABLE))
    for status in (UnitStatus.OFF_DUTY, UnitStatus.ASSIGNED, UnitStatus.ON_SCENE):
        with pytest.raises(DispatchRuleBroken):
            check_assignable(unit("b", 0, status))


def test_a_task_moves_only_forward_and_may_be_closed_early() -> None:
    path = [TaskStatus.OPEN, TaskStatus.ASSIGNED, TaskStatus.EN_ROUTE, TaskStatus.ON_SCENE]
    for current, wanted in zip(path, [*path[1:], TaskStatus.CLOSED], strict=True):
        check_move(current, wanted)
    check_move(TaskStatus.EN_ROUTE, TaskStatus.CLOSED)
    for current, wanted in (
        (TaskStatus.OPEN, TaskStatus.ON_SCENE),
        (TaskStatus.ON_SCENE, TaskStatus.EN_ROUTE),
        (TaskStatus.CLOSED, TaskStatus.ASSIGNED),
    ):
        with pytest.raises(DispatchRuleBroken):
            check_move(current, wanted)


def test_response_figures() -> None:
    t0 = datetime(2026, 11, 29, tzinfo=UTC)
    spans = [(t0, t0 + timedelta(minutes=m)) for m in (4, 6, 8, 10, 30)]
    figures = response_figures(spans)
    assert (figures.tasks, figures.median_s, figures.p90_s) == (5, 480.0, 1800.0)
    assert response_figures([]).median_s is None
