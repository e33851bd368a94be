"""智感防控 smart sensing: school pickup, authorised guardians and custody.

A school's gate terminals post what they matched (`Authorization: Device …`); the service
releases a child only to an authorised, confidently matched person during dismissal, and holds
everything else for staff. Officers of the school's unit keep the lists, resolve holds and read
the custody log (personal data: X-Purpose) and the report.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.school_pickup import (
    AuthorisationCreate,
    ClassCreate,
    CustodyEntry,
    Delegation,
    DelegationCreate,
    DismissalSession,
    DismissalSessionCreate,
    GateDecision,
    GateEventIn,
    Guardian,
    GuardianCreate,
    HoldResolve,
    PickupAuthorisation,
    PickupReport,
    School,
    SchoolClass,
    SchoolCreate,
    Student,
    StudentCreate,
)
from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)

SERVICE = "prevention"
SchoolPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
StudentPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=200)]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call(SERVICE, method, *args, context=ctx.rpc_context)


# -- schools and their people ------------------------------------------------------------------


@router.post(
    "/schools",
    operation_id="prevention.create_school",
    status_code=201,
    response_model=School,
    responses=errors(409),
    summary="Register a school in your unit's scope: its registered gate devices and the staff "
    "alerted when a child is held (409 if the id is taken)",
)
async def create_school(request: Request, ctx: Authorized, school: SchoolCreate) -> Any:
    return await _call(request, ctx, "create_school", school.model_dump(mode="json"))


@router.get(
    "/schools",
    operation_id="prevention.list_schools",
    response_model=Page[School],
    responses=errors(),
    summary="Schools in your unit's scope, by id",
)
async def list_schools(
    request: Request,
    ctx: Authorized,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    return await _call(request, ctx, "list_schools", {"limit": limit, "cursor": cursor})


@router.get(
    "/schools/{school_id}",
    operation_id="prevention.get_school",
    response_model=School,
    responses=errors(404),
    summary="One school (404 outside your unit's scope)",
)
async def get_school(request: Request, ctx: Authorized, school_id: SchoolPath) -> Any:
    return await _call(request, ctx, "get_school", school_id)


@router.post(
    "/schools/{school_id}/classes",
    operation_id="prevention.add_school_class",
    status_code=201,
    response_model=SchoolClass,
    responses=errors(404, 409),
    summary="Add a class to a school",
)
async def add_class(
    request: Request, ctx: Authorized, school_id: SchoolPath, school_class: ClassCreate
) -> Any:
    return await _call(
        request, ctx, "add_school_class", school_id, school_class.model_dump(mode="json")
    )


@router.post(
    "/schools/{school_id}/students",
    operation_id="prevention.add_school_student",
    status_code=201,
    response_model=Student,
    responses=errors(404, 409),
    summary="Add a student to a class, with the gate terminal's reference for them (409 if the "
    "id or the reference is taken)",
)
async def add_student(
    request: Request, ctx: Authorized, school_id: SchoolPath, student: StudentCreate
) -> Any:
    return await _call(
        request, ctx, "add_school_student", school_id, student.model_dump(mode="json")
    )


@router.get(
    "/schools/{school_id}/students/{student_id}",
    operation_id="prevention.get_school_student",
    response_model=Student,
    responses=errors(404),
    summary="One student",
)
async def get_student(
    request: Request, ctx: Authorized, school_id: SchoolPath, student_id: StudentPath
) -> Any:
    return await _call(request, ctx, "get_school_student", school_id, student_id)


@router.post(
    "/schools/{school_id}/guardians",
    operation_id="prevention.add_school_guardian",
    status_code=201,
    response_model=Guardian,
    responses=errors(404, 409),
    summary="Add a guardian (name, phone, the gate terminal's reference)",
)
async def add_guardian(
    request: Request, ctx: Authorized, school_id: SchoolPath, guardian: GuardianCreate
) -> Any:
    return await _call(
        request, ctx, "add_school_guardian", school_id, guardian.model_dump(mode="json")
    )


# -- who may collect a child -------------------------------------------------------------------


@router.post(
    "/schools/{school_id}/students/{student_id}/authorisations",
    operation_id="prevention.authorise_pickup",
    status_code=201,
    response_model=PickupAuthorisation,
    responses=errors(404),
    summary="Put a guardian on the student's pickup list for a period",
)
async def authorise_pickup(
    request: Request,
    ctx: Authorized,
    school_id: SchoolPath,
    student_id: StudentPath,
    authorisation: AuthorisationCreate,
) -> Any:
    return await _call(
        request,
        ctx,
        "authorise_pickup",
        school_id,
        student_id,
        authorisation.model_dump(mode="json"),
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/authorisations",
    operation_id="prevention.list_pickup_authorisations",
    response_model=list[PickupAuthorisation],
    responses=errors(404),
    summary="The student's pickup list, revoked and expired entries included",
)
async def list_authorisations(
    request: Request, ctx: Authorized, school_id: SchoolPath, student_id: StudentPath
) -> Any:
    return await _call(request, ctx, "list_pickup_authorisations", school_id, student_id)


@router.post(
    "/schools/{school_id}/authorisations/{authorisation_id}:revoke",
    operation_id="prevention.revoke_pickup_authorisation",
    response_model=PickupAuthorisation,
    responses=errors(404),
    summary="Take a guardian off a pickup list from now on, with their delegations (again: "
    "no change)",
)
async def revoke_authorisation(
    request: Request, ctx: Authorized, school_id: SchoolPath, authorisation_id: uuid.UUID
) -> Any:
    return await _call(
        request, ctx, "revoke_pickup_authorisation", school_id, str(authorisation_id)
    )


@router.post(
    "/schools/{school_id}/students/{student_id}/delegations",
    operation_id="prevention.delegate_pickup",
    status_code=201,
    response_model=Delegation,
    responses=errors(404),
    summary="Record a guardian's one-off delegation to a named person, for at most 24 hours "
    "and one pickup (422 if the guardian is not authorised then or the window is over)",
)
async def delegate_pickup(
    request: Request,
    ctx: Authorized,
    school_id: SchoolPath,
    student_id: StudentPath,
    delegation: DelegationCreate,
) -> Any:
    return await _call(
        request, ctx, "delegate_pickup", school_id, student_id, delegation.model_dump(mode="json")
    )


@router.post(
    "/schools/{school_id}/dismissal-sessions",
    operation_id="prevention.add_dismissal_session",
    status_code=201,
    response_model=DismissalSession,
    responses=errors(404),
    summary="A class's dismissal session (at most 6 hours): gate events outside one are held",
)
async def add_session(
    request: Request, ctx: Authorized, school_id: SchoolPath, dismissal: DismissalSessionCreate
) -> Any:
    return await _call(
        request, ctx, "add_dismissal_session", school_id, dismissal.model_dump(mode="json")
    )


# -- the gate ----------------------------------------------------------------------------------


@router.post(
    "/schools/{school_id}/gate-events",
    operation_id="prevention.record_pickup_gate_event",
    response_model=GateDecision,
    responses=errors(404),
    summary="A school gate's event (devices only, the school's own gates): release only to an "
    "authorised person matched with confidence ≥ 0.92 during dismissal; otherwise the child "
    "is held and staff are alerted. The same gate_event_id is decided once",
)
async def record_gate_event(
    request: Request, ctx: Authorized, school_id: SchoolPath, event: GateEventIn
) -> Any:
    return await _call(
        request, ctx, "record_pickup_gate_event", school_id, event.model_dump(mode="json")
    )


# -- staff -------------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/holds",
    operation_id="prevention.list_pickup_holds",
    response_model=Page[CustodyEntry],
    responses=errors(404),
    summary="Children held at the gate on a local day, oldest first (open ones by default)",
)
async def list_holds(
    request: Request,
    ctx: Authorized,
    school_id: SchoolPath,
    day: date,
    open_only: bool = True,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    query = {"day": day.isoformat(), "open_only": open_only, "limit": limit, "cursor": cursor}
    return await _call(request, ctx, "list_pickup_holds", school_id, query)


@router.post(
    "/schools/{school_id}/holds/{entry_id}:resolve",
    operation_id="prevention.resolve_pickup_hold",
    response_model=CustodyEntry,
    responses=errors(404, 409),
    summary="Release a held child after checking the person yourself, or refuse, with a note "
    "(409 if resolved already, or releasing a child released today)",
)
async def resolve_hold(
    request: Request,
    ctx: Authorized,
    school_id: SchoolPath,
    entry_id: uuid.UUID,
    resolution: HoldResolve,
) -> Any:
    return await _call(
        request,
        ctx,
        "resolve_pickup_hold",
        school_id,
        str(entry_id),
        resolution.model_dump(mode="json"),
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/custody",
    operation_id="prevention.student_custody_log",
    response_model=Page[CustodyEntry],
    responses=errors(404),
    summary="A student's custody log for a local day, in order (`after_seq` pages on)",
)
async def custody_log(
    request: Request,
    ctx: Authorized,
    school_id: SchoolPath,
    student_id: StudentPath,
    day: date,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Limit = 100,
) -> Any:
    query = {"day": day.isoformat(), "after_seq": after_seq, "limit": limit}
    return await _call(request, ctx, "student_custody_log", school_id, student_id, query)


@router.get(
    "/schools/{school_id}/pickup-report",
    operation_id="prevention.pickup_report",
    response_model=PickupReport,
    responses=errors(404),
    summary="Pickups, manual verifications, refusals and holds per local day (at most 31 days)",
)
async def pickup_report(
    request: Request, ctx: Authorized, school_id: SchoolPath, first_day: date, last_day: date
) -> Any:
    query = {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()}
    return await _call(request, ctx, "pickup_report", school_id, query)
