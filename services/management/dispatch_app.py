"""Dispatch use cases: patrol units, tasks from alerts, reports and incidents, the status flow
with its timestamps, response times."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contracts.dispatch import (
    DispatchTask,
    DispatchTasks,
    PatrolUnit,
    PatrolUnitIn,
    PatrolUnitUpdate,
    Recommendation,
    ResponseTimes,
    TaskCreate,
    TaskMove,
    TaskSource,
)
from contracts.errors import Conflict, NotFound, ValidationFailed
from contracts.incidents import IncidentsRecorded
from contracts.reports import CitizenReportFiled
from contracts.values import GeoPoint
from contracts.warning import AlertConfirmed
from services.management import store
from services.management.domain import dispatch as rules
from services.management.domain.dispatch import (
    UNIT_STATUS_FOR_TASK,
    DispatchRuleBroken,
    TaskStatus,
    UnitStatus,
)


def _unit(row: Any) -> PatrolUnit:
    return PatrolUnit(
        unit_id=row.unit_id,
        station_id=row.station_id,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        status=row.status,
        updated_at=row.updated_at,
    )


def _domain_unit(row: Any) -> rules.PatrolUnit:
    return rules.PatrolUnit(row.unit_id, row.station_id, row.lat, row.lon, UnitStatus(row.status))


def register_unit(session: Session, request: PatrolUnitIn) -> PatrolUnit:
    if store.unit(session, request.station_id) is None:
        raise NotFound("no such station")
    try:
        with session.begin_nested():
            store.add_patrol_unit(
                session,
                {
                    "unit_id": request.unit_id,
                    "station_id": request.station_id,
                    "lat": request.location.lat,
                    "lon": request.location.lon,
                    "status": request.status,
                },
            )
    except IntegrityError:
        raise Conflict("a patrol unit with this id exists") from None
    return _unit(store.patrol_unit(session, request.unit_id))


def update_unit(session: Session, unit_id: str, request: PatrolUnitUpdate) -> PatrolUnit:
    row = store.patrol_unit(session, unit_id, lock=True)
    if row is None:
        raise NotFound("no such patrol unit")
    values: dict[str, Any] = {}
    if request.location is not None:
        values |= {"lat": request.location.lat, "lon": request.location.lon}
    if request.status is not None:
        if row.status not in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
            raise Conflict(f"the unit is {row.status}: its task decides its status until closed")
        values["status"] = request.status
    if values:
        store.update_patrol_unit(session, unit_id, values)
    return _unit(store.patrol_unit(session, unit_id))


def _available_units(session: Session) -> list[rules.PatrolUnit]:
    return [_domain_unit(u) for u in store.available_units(session)]


def _task(
    session: Session, row: Any, available: list[rules.PatrolUnit] | None = None
) -> DispatchTask:
    """The task as served; open tasks carry recommendations from `available` (read once per
    request when several tasks are served)."""
    recommended: list[Recommendation] = []
    if row.status == TaskStatus.OPEN:
        units = _available_units(session) if available is None else available
        recommended = [
            Recommendation(unit_id=u.unit_id, distance_m=round(metres, 1))
            for metres, u in rules.recommend(units, row.lat, row.lon)
        ]
    return DispatchTask(
        task_id=row.task_id,
        source=row.source,
        source_id=row.source_id,
        summary=row.summary,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        status=row.status,
        unit_id=row.unit_id,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        en_route_at=row.en_route_at,
        on_scene_at=row.on_scene_at,
        closed_at=row.closed_at,
        recommended=recommended,
    )


def _add_task(session: Session, request: TaskCreate, now: datetime) -> None:
    """One task per alert, report or incident: adding it again changes nothing."""
    store.add_task(
        session,
        {
            "task_id": uuid.uuid4(),
            "source": str(request.source),
            "source_id": request.source_id,
            "summary": request.summary,
            "lat": request.location.lat,
            "lon": request.location.lon,
            "status": str(TaskStatus.OPEN),
            "created_at": now,
        },
    )


def create_task(session: Session, request: TaskCreate, now: datetime) -> DispatchTask:
    """One task per alert, report or incident: asking again returns the same task."""
    _add_task(session, request, now)
    return _task(session, store.task_by_source(session, str(request.source), request.source_id))


def get_task(session: Session, task_id: uuid.UUID) -> DispatchTask:
    row = store.task(session, task_id)
    if row is None:
        raise NotFound("no such task")
    return _task(session, row)


def list_tasks(
    session: Session, status: str | None, before: datetime | None, limit: int
) -> DispatchTasks:
    rows = store.tasks(session, status, before, limit)
    available = _available_units(session) if any(r.status == TaskStatus.OPEN for r in rows) else []
    return DispatchTasks(
        tasks=[_task(session, r, available) for r in rows],
        next_cursor=rows[-1].created_at.isoformat() if len(rows) == limit else None,
    )


def move_task(
    session: Session, task_id: uuid.UUID, request: TaskMove, now: datetime
) -> DispatchTask:
    row = store.task(session, task_id, lock=True)
    if row is None:
        raise NotFound("no such task")
    wanted = TaskStatus(request.status)
    try:
        rules.check_move(TaskStatus(row.status), wanted)
    except DispatchRuleBroken as exc:
        raise Conflict(str(exc)) from None
    values: dict[str, Any] = {"status": str(wanted), f"{wanted}_at": now}
    unit_id = row.unit_id
    if wanted is TaskStatus.ASSIGNED:
        if not request.unit_id:
            raise ValidationFailed("assigning needs the unit_id")
        unit = store.patrol_unit(session, request.unit_id, lock=True)
        if unit is None:
            raise NotFound("no such patrol unit")
        try:
            rules.check_assignable(_domain_unit(unit))
        except DispatchRuleBroken as exc:
            raise Conflict(str(exc)) from None
        unit_id = values["unit_id"] = request.unit_id
    store.update_task(session, task_id, values)
    if unit_id is not None:
        store.update_patrol_unit(session, unit_id, {"status": str(UNIT_STATUS_FOR_TASK[wanted])})
    return get_task(session, task_id)


def response_times(session: Session, since: datetime, until: datetime) -> ResponseTimes:
    figures = rules.response_figures(
        [(r.created_at, r.on_scene_at) for r in store.arrivals(session, since, until)]
    )
    return ResponseTimes(tasks=figures.tasks, median_s=figures.median_s, p90_s=figures.p90_s)


def tasks_from_alert(alert: AlertConfirmed) -> list[TaskCreate]:
    return [
        TaskCreate(
            source=TaskSource.ALERT,
            source_id=str(alert.alert_id),
            summary=f"confirmed {alert.reason} alert: {alert.plate} at {alert.device_id}",
            location=alert.location,
        )
    ]


def tasks_from_report(report: CitizenReportFiled) -> list[TaskCreate]:
    return [
        TaskCreate(
            source=TaskSource.CITIZEN_REPORT,
            source_id=str(report.report_id),
            summary=f"citizen report ({report.category}): {report.summary}"[:300],
            location=report.location,
        )
    ]


def tasks_from_incidents(
    recorded: IncidentsRecorded, now: datetime, max_age: timedelta
) -> list[TaskCreate]:
    """Open incidents reported lately need a unit; old ones (a history being loaded) do not."""
    return [
        TaskCreate(
            source=TaskSource.INCIDENT,
            source_id=str(i.incident_id),
            summary=f"{i.category}" + (f" ({i.method})" if i.method else ""),
            location=i.location,
        )
        for i in recorded.incidents
        if i.status == "open" and now - i.reported_at <= max_age
    ]


def open_tasks(session: Session, tasks: list[TaskCreate], now: datetime) -> None:
    for task in tasks:
        _add_task(session, task, now)
