"""警务云 police cloud data service: look-back and retention receipts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.audit import LedgerQuery
from contracts.authorisations import (
    Authorisation,
    AuthorisationCreate,
    SweepAuthorisation,
    SweepAuthorisationCreate,
)
from contracts.incidents import (
    Cube,
    CubeQuery,
    IncidentBatch,
    Incidents,
    IncidentsReceipt,
)
from contracts.places import MAX_NEAR_RADIUS_M, Place, PlaceCreate, PlaceKind, Places
from contracts.retention import RETENTION_OPERATION, RetentionReceipt, RetentionReceipts
from contracts.sightings import (
    AreaQuery,
    CollisionQuery,
    PlateSummary,
    SensitivePlace,
    SweepResult,
    Trajectory,
)
from contracts.values import MAX_PAGE_SIZE
from contracts.vehicles import Dossier, Person, PersonCreate, PersonLookup, VehicleCreate
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/data", tags=["data"], dependencies=[Depends(authorize)])


@router.get(
    "/vehicles/{plate}/trajectory",
    operation_id="data.plate_trajectory",
    response_model=Trajectory,
    responses=errors(),
    summary="A plate's sightings in a time window, oldest first (personal data: needs "
    "X-Purpose; windows of at most 31 days; older than 90 days needs an authorisation)",
)
async def plate_trajectory(
    request: Request,
    ctx: Authorized,
    plate: Annotated[str, Path(max_length=32, examples=["粤T12345"])],
    since: Annotated[datetime, Query(description="ISO 8601 with an offset")],
    until: Annotated[datetime, Query(description="ISO 8601 with an offset; exclusive")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    authorisation_id: Annotated[
        uuid.UUID | None, Query(description="a supervisor's authorisation, for old sightings")
    ] = None,
) -> Any:
    query = {
        "plate": plate,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "limit": limit,
        "cursor": cursor,
        "authorisation_id": str(authorisation_id) if authorisation_id else None,
    }
    return await platform_of(request).rpc.call(
        "data", "plate_trajectory", query, context=ctx.rpc_context
    )


@router.get(
    "/vehicles/{plate}/summary",
    operation_id="data.plate_summary",
    response_model=PlateSummary,
    responses=errors(),
    summary="First and last seen, and where the plate is seen most at each hour of the day "
    "(personal data: needs X-Purpose)",
)
async def plate_summary(
    request: Request,
    ctx: Authorized,
    plate: Annotated[str, Path(max_length=32, examples=["粤T12345"])],
    since: Annotated[datetime, Query(description="ISO 8601 with an offset")],
    until: Annotated[datetime, Query(description="ISO 8601 with an offset; exclusive")],
    places_per_hour: Annotated[int, Query(ge=1, le=10)] = 3,
    authorisation_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Any:
    query = {
        "plate": plate,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "places_per_hour": places_per_hour,
        "authorisation_id": str(authorisation_id) if authorisation_id else None,
    }
    return await platform_of(request).rpc.call(
        "data", "plate_summary", query, context=ctx.rpc_context
    )


@router.post(
    "/authorisations",
    operation_id="data.issue_authorisation",
    status_code=201,
    response_model=Authorisation,
    responses=errors(),
    summary="A supervisor authorises reading one plate's old sightings for one case, until it "
    "expires (needs X-Purpose and X-Case-Id)",
)
async def issue_authorisation(
    request: Request, ctx: Authorized, authorisation: AuthorisationCreate
) -> Any:
    return await platform_of(request).rpc.call(
        "data",
        "issue_authorisation",
        authorisation.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/sweep-authorisations",
    operation_id="data.issue_sweep_authorisation",
    status_code=201,
    response_model=SweepAuthorisation,
    responses=errors(),
    summary="A supervisor authorises one case to ask who passed given checkpoints, until it "
    "expires (needs X-Purpose and X-Case-Id)",
)
async def issue_sweep_authorisation(
    request: Request, ctx: Authorized, authorisation: SweepAuthorisationCreate
) -> Any:
    return await platform_of(request).rpc.call(
        "data",
        "issue_sweep_authorisation",
        authorisation.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.post(
    "/sweeps/collision",
    operation_id="data.checkpoint_collision",
    response_model=SweepResult,
    responses=errors(),
    summary="Plates that passed every checkpoint within its window (a sweep: needs a case, a "
    "sweep authorisation, windows of at most 24 h; plates not named come back as pseudonyms)",
)
async def checkpoint_collision(request: Request, ctx: Authorized, query: CollisionQuery) -> Any:
    return await platform_of(request).rpc.call(
        "data", "checkpoint_collision", query.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/sweeps/area",
    operation_id="data.area_sweep",
    response_model=SweepResult,
    responses=errors(),
    summary="Plates seen in an area in a window (a sweep: needs a case and a sweep "
    "authorisation; at most a 2 km radius and 24 h; sensitive places refused unless a commander "
    "overrides with a reason; plates not named come back as pseudonyms)",
)
async def area_sweep(request: Request, ctx: Authorized, query: AreaQuery) -> Any:
    return await platform_of(request).rpc.call(
        "data", "area_sweep", query.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/sensitive-places",
    operation_id="data.register_sensitive_place",
    status_code=201,
    response_model=SensitivePlace,
    responses=errors(409),
    summary="Add a place sweeps must keep off (worship, clinic, school, law office, newsroom, "
    "assembly site)",
)
async def register_sensitive_place(request: Request, ctx: Authorized, place: SensitivePlace) -> Any:
    return await platform_of(request).rpc.call(
        "data", "register_sensitive_place", place.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/vehicles/{plate}/dossier",
    operation_id="data.vehicle_dossier",
    response_model=Dossier,
    responses=errors(),
    summary="一车一档: the vehicle, its owner (masked unless the purpose allows), sightings of "
    "the last 90 days (older ones only with a supervisor's authorisation for your case), alerts, "
    "fines, hotlist entries and cases, in one call (personal data: needs X-Purpose)",
)
async def vehicle_dossier(
    request: Request,
    ctx: Authorized,
    plate: Annotated[str, Path(max_length=32, examples=["粤T12345"])],
    authorisation_id: Annotated[
        uuid.UUID | None, Query(description="a supervisor's authorisation, for old sightings")
    ] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "data",
        "vehicle_dossier",
        plate,
        str(authorisation_id) if authorisation_id else None,
        context=ctx.rpc_context,
    )


@router.post(
    "/places",
    operation_id="data.register_place",
    status_code=201,
    response_model=Place,
    responses=errors(409),
    summary="Record a place or point of interest (police station, pawnshop, locksmith, seal "
    "engraver, school, residential community, self-service hall)",
)
async def register_place(request: Request, ctx: Authorized, place: PlaceCreate) -> Any:
    return await platform_of(request).rpc.call(
        "data", "register_place", place.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/places",
    operation_id="data.find_places",
    response_model=Places,
    responses=errors(),
    summary="Places by kind and district (ordered by id), or within radius_m of lat/lon "
    "(nearest first, each with its distance)",
)
async def find_places(
    request: Request,
    ctx: Authorized,
    kind: Annotated[list[PlaceKind] | None, Query(description="repeat for several")] = None,
    district: Annotated[str | None, Query(max_length=64)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=MAX_NEAR_RADIUS_M)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    near = None if lat is None and lon is None else {"lat": lat, "lon": lon}
    query = {
        "kinds": [str(k) for k in kind] if kind else None,
        "district": district,
        "near": near,
        "radius_m": radius_m,
        "limit": limit,
        "cursor": cursor,
    }
    return await platform_of(request).rpc.call(
        "data", "find_places", query, context=ctx.rpc_context
    )


@router.post(
    "/persons",
    operation_id="data.register_person",
    status_code=201,
    responses={201: example({"person_id": "p-000123"}), **errors(409)},
    summary="Record a person (the national id is kept only as a keyed hash and a masked form)",
)
async def register_person(request: Request, ctx: Authorized, person: PersonCreate) -> Any:
    return await platform_of(request).rpc.call(
        "data", "register_person", person.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/persons:lookup",
    operation_id="data.find_person",
    response_model=Person,
    responses=errors(404),
    summary="One person by id or national id (personal data: needs X-Purpose; details masked "
    "unless the purpose allows them; every lookup is recorded)",
)
async def find_person(request: Request, ctx: Authorized, lookup: PersonLookup) -> Any:
    return await platform_of(request).rpc.call(
        "data", "find_person", lookup.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/vehicles",
    operation_id="data.register_vehicle",
    status_code=201,
    response_model=VehicleCreate,
    responses=errors(404, 409),
    summary="Record a vehicle and its registered owner",
)
async def register_vehicle(request: Request, ctx: Authorized, vehicle: VehicleCreate) -> Any:
    return await platform_of(request).rpc.call(
        "data", "register_vehicle", vehicle.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/cube",
    operation_id="data.incident_cube",
    response_model=Cube,
    responses=errors(),
    summary="数据魔方: incident counts by up to three dimensions with every subtotal, within "
    "your jurisdiction",
)
async def incident_cube(request: Request, ctx: Authorized, query: CubeQuery) -> Any:
    return await platform_of(request).rpc.call(
        "data", "incident_cube", query.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/incidents:batch",
    operation_id="data.record_incidents",
    response_model=IncidentsReceipt,
    responses=errors(),
    summary="Record incidents (警情) from dispatch, up to 1,000 per request, each once by its id; "
    "new ones are announced as data.incident.recorded.v1",
)
async def record_incidents(request: Request, ctx: Authorized, batch: IncidentBatch) -> Any:
    items = [i.model_dump(mode="json") for i in batch.incidents]
    return await platform_of(request).rpc.call(
        "data", "record_incidents", items, context=ctx.rpc_context
    )


@router.get(
    "/incidents",
    operation_id="data.list_incidents",
    response_model=Incidents,
    responses=errors(),
    summary="Incidents in a window inside your jurisdiction, newest first",
)
async def list_incidents(
    request: Request,
    ctx: Authorized,
    since: Annotated[datetime, Query(description="ISO 8601 with an offset")],
    until: Annotated[datetime, Query(description="ISO 8601 with an offset; exclusive")],
    category: Annotated[list[str] | None, Query(max_length=50)] = None,
    district: Annotated[list[str] | None, Query(max_length=50)] = None,
    status: Annotated[str | None, Query(pattern=r"^(open|closed|transferred)$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    query = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "categories": category,
        "districts": district,
        "status": status,
        "limit": limit,
        "cursor": cursor,
    }
    return await platform_of(request).rpc.call(
        "data", "list_incidents", query, context=ctx.rpc_context
    )


@router.get(
    "/retention/receipts",
    operation_id="data.list_retention_receipts",
    response_model=RetentionReceipts,
    responses=errors(),
    summary="What retention deleted from the data service, as recorded in the audit ledger",
)
async def list_retention_receipts(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> Any:
    query = LedgerQuery(
        producer="data",
        operation=RETENTION_OPERATION,
        limit=limit,
        after_index=int(cursor) if cursor else None,
    )
    page = await platform_of(request).rpc.call(
        "management", "query_ledger", query.model_dump(mode="json"), context=ctx.rpc_context
    )
    receipts = [
        RetentionReceipt.model_validate(entry["details"]).model_dump(mode="json")
        for entry in page["items"]
        if entry.get("details")
    ]
    return {"items": receipts, "next_cursor": page["next_cursor"]}
