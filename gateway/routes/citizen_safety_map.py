"""智服惠民 citizen services: the safety map (平安地图).

Places live in the data service and opening hours in the citizen service, and services do not
call each other here: this route asks the data service for the nearest places (`find_places`,
nearest first, with their distances), then the citizen service to dress them with their hours
as GeoJSON (and, with `open_now`, to keep only those open or closed now, in which case further
pages of places are fetched until the map is full). Public: no token, the gateway's
per-address limit applies.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from contracts.places import PLACE_ID_PATTERN
from contracts.safety_map import (
    DEFAULT_SAFETY_MAP_FEATURES,
    DEFAULT_SAFETY_MAP_RADIUS_M,
    MAX_SAFETY_MAP_FEATURES,
    MAX_SAFETY_MAP_RADIUS_M,
    SAFETY_MAP_KINDS,
    OpeningHours,
    PlaceOpeningHours,
    SafetyMap,
    SafetyMapKind,
)
from contracts.values import MAX_PAGE_SIZE
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])

#: with `open_now`, how many pages of places are looked through at most
MAX_PLACE_PAGES = 5
GEOJSON_MEDIA_TYPE = "application/geo+json"


@router.get(
    "/safety-map",
    operation_id="citizen.safety_map",
    response_model=SafetyMap,
    responses={200: {"content": {GEOJSON_MEDIA_TYPE: {}}}, **errors()},
    summary="The nearest police stations, pawnshops, locksmiths, seal engravers and "
    "self-service certificate halls to a point, nearest first, with opening hours and whether "
    f"each is open now (Asia/Shanghai), as a GeoJSON FeatureCollection (radius ≤ "
    f"{MAX_SAFETY_MAP_RADIUS_M:.0f} m, ≤ {MAX_SAFETY_MAP_FEATURES} places; public)",
)
async def safety_map(
    request: Request,
    ctx: Authorized,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    radius_m: Annotated[
        float, Query(gt=0, le=MAX_SAFETY_MAP_RADIUS_M, allow_inf_nan=False)
    ] = DEFAULT_SAFETY_MAP_RADIUS_M,
    kind: Annotated[
        list[SafetyMapKind] | None, Query(description="repeat for several; all by default")
    ] = None,
    open_now: Annotated[
        bool | None, Query(description="true: only places open now; false: only closed ones")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SAFETY_MAP_FEATURES)] = DEFAULT_SAFETY_MAP_FEATURES,
) -> Any:
    rpc = platform_of(request).rpc
    kinds = sorted({str(k) for k in kind}) if kind else [str(k) for k in SAFETY_MAP_KINDS]
    # a filter may drop places, so then a page is as large as it can be
    page_size = limit if open_now is None else MAX_PAGE_SIZE
    features: list[dict[str, Any]] = []
    generated_at = None
    cursor = None
    for _ in range(MAX_PLACE_PAGES):
        page = await rpc.call(
            "data",
            "find_places",
            {
                "kinds": kinds,
                "near": {"lat": lat, "lon": lon},
                "radius_m": radius_m,
                "limit": page_size,
                "cursor": cursor,
            },
            context=ctx.rpc_context,
        )
        dressed = await rpc.call(
            "citizen",
            "safety_map",
            {"places": page["places"], "open_now": open_now, "limit": limit - len(features)},
            context=ctx.rpc_context,
        )
        features.extend(dressed["features"])
        generated_at = generated_at or dressed["generated_at"]
        cursor = page["next_cursor"]
        if len(features) >= limit or cursor is None:
            break
    collection = SafetyMap.model_validate(
        {"type": "FeatureCollection", "features": features, "generated_at": generated_at}
    )
    return JSONResponse(collection.model_dump(mode="json"), media_type=GEOJSON_MEDIA_TYPE)


PlaceId = Annotated[str, Path(pattern=PLACE_ID_PATTERN)]


@router.put(
    "/safety-map/places/{place_id}/hours",
    operation_id="citizen.set_opening_hours",
    response_model=PlaceOpeningHours,
    responses=errors(),
    summary="Set a place's opening hours on the safety map, local time (administrators; "
    "until then a place shows its kind's default: police stations and self-service halls "
    "24 h, pawnshops 09-18, locksmiths 08-22, seal engravers weekdays 09-18 and Saturday "
    "mornings)",
)
async def set_opening_hours(
    request: Request, ctx: Authorized, place_id: PlaceId, hours: OpeningHours
) -> Any:
    return await platform_of(request).rpc.call(
        "citizen",
        "set_opening_hours",
        place_id,
        hours.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


@router.delete(
    "/safety-map/places/{place_id}/hours",
    operation_id="citizen.reset_opening_hours",
    status_code=204,
    responses=errors(404),
    summary="Return a place to its kind's default opening hours (administrators)",
)
async def reset_opening_hours(request: Request, ctx: Authorized, place_id: PlaceId) -> None:
    await platform_of(request).rpc.call(
        "citizen", "reset_opening_hours", place_id, context=ctx.rpc_context
    )
