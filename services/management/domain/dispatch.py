"""Dispatch: which patrol unit to send, and the status flow of a dispatched task."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.values import distance_m


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"


class TaskStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLOSED = "closed"


#: the only moves a task makes; a task may be closed from any open state (a false alarm)
NEXT_STATUS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.ASSIGNED, TaskStatus.CLOSED}),
    TaskStatus.ASSIGNED: frozenset({TaskStatus.EN_ROUTE, TaskStatus.CLOSED}),
    TaskStatus.EN_ROUTE: frozenset({TaskStatus.ON_SCENE, TaskStatus.CLOSED}),
    TaskStatus.ON_SCENE: frozenset({TaskStatus.CLOSED}),
    TaskStatus.CLOSED: frozenset(),
}

#: what a unit is doing while its task is in each status
UNIT_STATUS_FOR_TASK = {
    TaskStatus.ASSIGNED: UnitStatus.ASSIGNED,
    TaskStatus.EN_ROUTE: UnitStatus.EN_ROUTE,
    TaskStatus.ON_SCENE: UnitStatus.ON_SCENE,
    TaskStatus.CLOSED: UnitStatus.AVAILABLE,
}


class DispatchRuleBroken(ValueError):
    """A move the dispatch rules do not allow; the message says which."""


@dataclass(frozen=True)
class PatrolUnit:
    unit_id: str
    station_id: str
    lat: float
    lon: float
    status: UnitStatus


def recommend(
    units: Iterable[PatrolUnit], lat: float, lon: float, limit: int = 3
) -> list[tuple[float, PatrolUnit]]:
    """Available units nearest first (ties by id); a busy or off-duty unit is never offered."""
    ranked = sorted(
        (
            (distance_m(lat, lon, u.lat, u.lon), u)
            for u in units
            if u.status is UnitStatus.AVAILABLE
        ),
        key=lambda pair: (pair[0], pair[1].unit_id),
    )
    return ranked[:limit]


def check_assignable(unit: PatrolUnit) -> None:
    if unit.status is not UnitStatus.AVAILABLE:
        raise DispatchRuleBroken(f"unit {unit.unit_id} is {unit.status}, not available")


def check_move(current: TaskStatus, wanted: TaskStatus) -> None:
    if wanted not in NEXT_STATUS[current]:
        raise DispatchRuleBroken(f"a task cannot go from {current} to {wanted}")


@dataclass(frozen=True)
class ResponseFigures:
    tasks: int
    #: from the task's creation to the unit on scene
    median_s: float | None
    p90_s: float | None


def response_figures(spans: Sequence[tuple[datetime, datetime]]) -> ResponseFigures:
    """Response times of tasks that reached the scene: (created, on scene) each."""
    seconds = sorted((on_scene - created).total_seconds() for created, on_scene in spans)
    if not seconds:
        return ResponseFigures(0, None, None)
    p90 = seconds[math.ceil(0.9 * len(seconds)) - 1]  # nearest rank
    return ResponseFigures(len(seconds), statistics.median(seconds), p90)
