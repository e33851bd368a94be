"""Identity administration and the officer directory (internal management pillar)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from contracts.dispatch import (
    DispatchTask,
    DispatchTasks,
    PatrolUnit,
    PatrolUnitIn,
    PatrolUnitUpdate,
    ResponseTimes,
    TaskCreate,
    TaskMove,
)
from contracts.identity import (
    Officer,
    OfficerCreate,
    OfficerDisable,
    RolesChange,
    ServiceAccountCreate,
    Unit,
    UnitCreate,
)
from contracts.oversight import OversightCases, OversightRun, OversightRunResult
from contracts.rosters import LeaveCreate, RosterEdit, RosterWeek, StationRules
from contracts.statistics import Performance, PeriodKind, as_csv
from contracts.values import MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/management", tags=["management"], dependencies=[Depends(authorize)]
)
OfficerId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", examples=["o-1024"])]


@router.post(
    "/units",
    operation_id="management.create_unit",
    status_code=201,
    response_model=Unit,
    responses=errors(404, 409),
    summary="Create a unit",
)
async def create_unit(request: Request, ctx: Authorized, unit: UnitCreate) -> Any:
    return await platform_of(request).rpc.call(
        "management", "create_unit", unit.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/officers",
    operation_id="management.create_officer",
    status_code=201,
    response_model=Officer,
    responses=errors(404, 409),
    summary="Create an officer",
)
async def create_officer(request: Request, ctx: Authorized, officer: OfficerCreate) -> Any:
    return await platform_of(request).rpc.call(
        "management", "create_officer", officer.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/service-accounts",
    operation_id="management.create_service_account",
    status_code=201,
    responses={
        201: example({"client_id": "traffic-system", "pillar": "warning", "roles": ["officer"]}),
        **errors(409),
    },
    summary="Create a service account for a department's own system",
)
async def create_service_account(
    request: Request, ctx: Authorized, account: ServiceAccountCreate
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "create_service_account",
        account.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/signing-keys:rotate",
    operation_id="management.rotate_signing_key",
    responses={200: example({"kid": "mZ3q1c0Yk2Vd8wQe"}), **errors()},
    summary="Rotate the key that signs access tokens",
)
async def rotate_signing_key(request: Request, ctx: Authorized) -> Any:
    platform = platform_of(request)
    result = await platform.rpc.call("management", "rotate_signing_key", context=ctx.rpc_context)
    await platform.verifier.refresh_keys()
    return result


@router.get(
    "/officers",
    operation_id="management.list_officers",
    response_model=Page[Officer],
    responses=errors(),
    summary="Officers within your scope (personal data: needs X-Purpose)",
)
async def list_officers(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "management", "list_officers", {"limit": limit, "cursor": cursor}, context=ctx.rpc_context
    )


@router.get(
    "/officers/{officer_id}",
    operation_id="management.get_officer",
    response_model=Officer,
    responses=errors(404),
    summary="One officer's record (personal data: needs X-Purpose)",
)
async def get_officer(request: Request, ctx: Authorized, officer_id: OfficerId) -> Any:
    return await platform_of(request).rpc.call(
        "management", "get_officer", officer_id, context=ctx.rpc_context
    )


@router.put(
    "/officers/{officer_id}/roles",
    operation_id="management.change_officer_roles",
    response_model=Officer,
    responses=errors(404),
    summary="Change an officer's roles, with a reason (recorded; their tokens are revoked at "
    "once so the new roles apply)",
)
async def change_officer_roles(
    request: Request, ctx: Authorized, officer_id: OfficerId, change: RolesChange
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "change_officer_roles",
        officer_id,
        change.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/officers/{officer_id}:disable",
    operation_id="management.disable_officer",
    response_model=Officer,
    responses=errors(404),
    summary="Disable an officer, with a reason: their tokens stop working at once",
)
async def disable_officer(
    request: Request, ctx: Authorized, officer_id: OfficerId, disable: OfficerDisable
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "disable_officer",
        officer_id,
        disable.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/officers/{officer_id}:enable",
    operation_id="management.enable_officer",
    response_model=Officer,
    responses=errors(404),
    summary="Enable a disabled officer again, with a reason",
)
async def enable_officer(
    request: Request, ctx: Authorized, officer_id: OfficerId, enable: OfficerDisable
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "enable_officer",
        officer_id,
        enable.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


UnitId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", examples=["futian-1"])]
WeekStart = Annotated[date, Path(description="the Monday the week starts on")]


@router.put(
    "/stations/{station_id}/rules",
    operation_id="management.set_station_rules",
    response_model=StationRules,
    responses=errors(404),
    summary="A station's shifts and minimum staffing per shift (weekdays and weekends)",
)
async def set_station_rules(
    request: Request, ctx: Authorized, station_id: UnitId, rules: StationRules
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "set_station_rules",
        station_id,
        rules.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/officers/{officer_id}/leave",
    operation_id="management.add_leave",
    status_code=204,
    responses=errors(404),
    summary="Record an officer's leave (whole days); rosters will not place them on it",
)
async def add_leave(
    request: Request, ctx: Authorized, officer_id: OfficerId, leave: LeaveCreate
) -> None:
    await platform_of(request).rpc.call(
        "management",
        "add_leave",
        officer_id,
        leave.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/stations/{station_id}/rosters/{week_start}:generate",
    operation_id="management.generate_roster",
    response_model=RosterWeek,
    responses=errors(404),
    summary="Fill a week's roster: minimum staffing, maximum hours, rest between shifts, "
    "consecutive days, leave, nights and weekends spread fairly; reports what it could not meet",
)
async def generate_roster(
    request: Request, ctx: Authorized, station_id: UnitId, week_start: WeekStart
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "generate_roster",
        station_id,
        week_start.isoformat(),
        context=ctx.rpc_context,
    )


@router.get(
    "/stations/{station_id}/rosters/{week_start}",
    operation_id="management.get_roster",
    response_model=RosterWeek,
    responses=errors(404),
    summary="A week's roster with the rules it does not meet and the fairness figures",
)
async def get_roster(
    request: Request, ctx: Authorized, station_id: UnitId, week_start: WeekStart
) -> Any:
    return await platform_of(request).rpc.call(
        "management", "get_roster", station_id, week_start.isoformat(), context=ctx.rpc_context
    )


@router.patch(
    "/stations/{station_id}/rosters/{week_start}",
    operation_id="management.edit_roster",
    response_model=RosterWeek,
    responses=errors(404),
    summary="Add and remove officers on shifts; refused whole (422, every violation listed) if "
    "it breaks a rule for any officer",
)
async def edit_roster(
    request: Request,
    ctx: Authorized,
    station_id: UnitId,
    week_start: WeekStart,
    edit: RosterEdit,
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "edit_roster",
        station_id,
        week_start.isoformat(),
        edit.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/oversight:run",
    operation_id="management.run_oversight",
    response_model=OversightRunResult,
    responses=errors(),
    summary="Assess officers' personal-data reads in a window against their peers' now (the "
    "service does the last 14 days every hour); raises oversight cases",
)
async def run_oversight(request: Request, ctx: Authorized, run: OversightRun) -> Any:
    return await platform_of(request).rpc.call(
        "management", "run_oversight", run.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/oversight/cases",
    operation_id="management.list_oversight_cases",
    response_model=OversightCases,
    responses=errors(),
    summary="Oversight cases, newest first, with their evidence (the inspection unit only)",
)
async def list_oversight_cases(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "management", "list_oversight_cases", cursor, limit, context=ctx.rpc_context
    )


TASK_STATUS = r"^(open|assigned|en_route|on_scene|closed)$"
PatrolUnitId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", examples=["ft-car-07"])]


@router.post(
    "/patrol-units",
    operation_id="management.register_patrol_unit",
    status_code=201,
    response_model=PatrolUnit,
    responses=errors(404, 409),
    summary="Register a patrol unit of a station",
)
async def register_patrol_unit(request: Request, ctx: Authorized, unit: PatrolUnitIn) -> Any:
    return await platform_of(request).rpc.call(
        "management", "register_patrol_unit", unit.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.patch(
    "/patrol-units/{unit_id}",
    operation_id="management.update_patrol_unit",
    response_model=PatrolUnit,
    responses=errors(404, 409),
    summary="A unit's position, or going on or off duty (busy states follow its task)",
)
async def update_patrol_unit(
    request: Request, ctx: Authorized, unit_id: PatrolUnitId, change: PatrolUnitUpdate
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "update_patrol_unit",
        unit_id,
        change.model_dump(mode="json", exclude_none=True),
        context=ctx.rpc_context,
    )


@router.post(
    "/dispatch/tasks",
    operation_id="management.create_dispatch_task",
    response_model=DispatchTask,
    responses=errors(),
    summary="A task for a confirmed alert, a citizen report or an incident (one per source), "
    "with the nearest available units recommended",
)
async def create_dispatch_task(request: Request, ctx: Authorized, task: TaskCreate) -> Any:
    return await platform_of(request).rpc.call(
        "management", "create_dispatch_task", task.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/dispatch/tasks",
    operation_id="management.list_dispatch_tasks",
    response_model=DispatchTasks,
    responses=errors(),
    summary="Dispatch tasks newest first; status=open is the dispatcher's queue",
)
async def list_dispatch_tasks(
    request: Request,
    ctx: Authorized,
    status: Annotated[
        str | None, Query(pattern=r"^(open|assigned|en_route|on_scene|closed)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "management", "list_dispatch_tasks", status, cursor, limit, context=ctx.rpc_context
    )


@router.get(
    "/dispatch/tasks/{task_id}",
    operation_id="management.get_dispatch_task",
    response_model=DispatchTask,
    responses=errors(404),
    summary="A dispatch task, its times, and (while open) the nearest available units",
)
async def get_dispatch_task(request: Request, ctx: Authorized, task_id: uuid.UUID) -> Any:
    return await platform_of(request).rpc.call(
        "management", "get_dispatch_task", str(task_id), context=ctx.rpc_context
    )


@router.post(
    "/dispatch/tasks/{task_id}:move",
    operation_id="management.move_dispatch_task",
    response_model=DispatchTask,
    responses=errors(404, 409),
    summary="assigned (to an available unit) → en route → on scene → closed; 409 for a move "
    "the flow does not allow or a unit that is busy or off duty",
)
async def move_dispatch_task(
    request: Request, ctx: Authorized, task_id: uuid.UUID, move: TaskMove
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "move_dispatch_task",
        str(task_id),
        move.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.get(
    "/dispatch/response-times",
    operation_id="management.response_times",
    response_model=ResponseTimes,
    responses=errors(),
    summary="Median and 90th-percentile time from a task's creation to a unit on scene",
)
async def response_times(
    request: Request,
    ctx: Authorized,
    since: Annotated[datetime, Query(description="ISO 8601 with an offset")],
    until: Annotated[datetime, Query(description="ISO 8601 with an offset; exclusive")],
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "response_times",
        since.isoformat(),
        until.isoformat(),
        context=ctx.rpc_context,
    )


async def _performance(
    request: Request, ctx: Authorized, unit_id: str, period: PeriodKind, first: date
) -> Any:
    return await platform_of(request).rpc.call(
        "management",
        "performance",
        unit_id,
        str(period),
        first.isoformat(),
        context=ctx.rpc_context,
    )


@router.get(
    "/statistics/performance",
    operation_id="management.performance",
    response_model=Performance,
    responses=errors(404),
    summary="A unit's and its sub-units' incidents, cases solved, solve rate and response time "
    "for a period, with the change against the previous period and a year before",
)
async def performance(
    request: Request,
    ctx: Authorized,
    unit_id: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")],
    first: Annotated[date, Query(description="the first day of the period")],
    period: Annotated[PeriodKind, Query()] = PeriodKind.MONTH,
) -> Any:
    return await _performance(request, ctx, unit_id, period, first)


@router.get(
    "/statistics/performance.csv",
    operation_id="management.performance_csv",
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "period,first,end,unit_id,unit_path,incidents,solved,…\\n"
                    "month,2026-10-01,2026-11-01,futian,sz/futian,1150,253,…\\n"
                }
            }
        },
        **errors(404),
    },
    response_class=Response,
    summary="The same figures as CSV, one row per unit",
)
async def performance_csv(
    request: Request,
    ctx: Authorized,
    unit_id: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")],
    first: Annotated[date, Query(description="the first day of the period")],
    period: Annotated[PeriodKind, Query()] = PeriodKind.MONTH,
) -> Response:
    report = await _performance(request, ctx, unit_id, period, first)
    filename = f"performance-{unit_id}-{period}-{first.isoformat()}.csv"
    return Response(
        as_csv(Performance.model_validate(report)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
