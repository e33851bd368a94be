"""智感防控 smart sensing: the device registry, credentials, heartbeats and health.

Registering a device and the plain list are `prevention.py`'s; here a device is looked up,
changed, decommissioned and given a credential, devices are listed with their health, and a
device reports its heartbeat with its own credential.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from contracts.devices import (
    DecommissionRequest,
    Device,
    DeviceCredential,
    DeviceKind,
    DeviceStatus,
    DeviceUpdate,
    HeartbeatAck,
)
from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)

SERVICE = "prevention"
DeviceIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call(SERVICE, method, *args, context=ctx.rpc_context)


# the listing comes before `/devices/{device_id}`, which would take `health` for a device id
@router.get(
    "/devices/health",
    operation_id="prevention.list_device_health",
    response_model=Page[Device],
    responses=errors(),
    summary="Devices by id with their status (pending, online, offline, decommissioned), last "
    "heartbeat and uptime over the last 24 hours and 7 days; filter by status, kind or unit",
)
async def list_device_health(
    request: Request,
    ctx: Authorized,
    status: DeviceStatus | None = None,
    kind: DeviceKind | None = None,
    unit_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    query = {
        "status": str(status) if status else None,
        "kind": str(kind) if kind else None,
        "unit_id": unit_id,
        "limit": limit,
        "cursor": cursor,
    }
    return await _call(request, ctx, "list_device_health", query)


@router.post(
    "/devices/heartbeat",
    operation_id="prevention.record_heartbeat",
    response_model=HeartbeatAck,
    responses=errors(),
    summary="A device reports that it is alive (devices only, with `Authorization: Device "
    "<id>.<secret>`); a device back after an outage is online again",
)
async def record_heartbeat(request: Request, ctx: Authorized) -> Any:
    return await _call(request, ctx, "record_heartbeat")


@router.get(
    "/devices/{device_id}",
    operation_id="prevention.get_device",
    response_model=Device,
    responses=errors(404),
    summary="One device with its status, last heartbeat and uptime",
)
async def get_device(request: Request, ctx: Authorized, device_id: DeviceIdPath) -> Any:
    return await _call(request, ctx, "get_device", device_id)


@router.patch(
    "/devices/{device_id}",
    operation_id="prevention.update_device",
    response_model=Device,
    responses=errors(404, 409),
    summary="Change a device's kind, name, unit, location, vendor, protocol, direction or "
    "heartbeat interval; only the fields sent change, never the id (409 once decommissioned)",
)
async def update_device(
    request: Request, ctx: Authorized, device_id: DeviceIdPath, change: DeviceUpdate
) -> Any:
    body = change.model_dump(mode="json", exclude_unset=True)
    return await _call(request, ctx, "update_device", device_id, body)


@router.post(
    "/devices/{device_id}:decommission",
    operation_id="prevention.decommission_device",
    response_model=Device,
    responses=errors(404),
    summary="Retire a device for good: its credential stops working and its sightings and "
    "heartbeats are refused (again: no change)",
)
async def decommission_device(
    request: Request, ctx: Authorized, device_id: DeviceIdPath, decommission: DecommissionRequest
) -> Any:
    body = decommission.model_dump(mode="json")
    return await _call(request, ctx, "decommission_device", device_id, body)


@router.post(
    "/devices/{device_id}/credential:rotate",
    operation_id="prevention.rotate_device_credential",
    response_model=DeviceCredential,
    responses=errors(404, 409),
    summary="Issue the device a new credential, shown this once (only its hash is kept); the "
    "previous one is refused from now on, once the gateway's brief memory of it (30 s) lapses "
    "(administrators; 409 once decommissioned)",
)
async def rotate_device_credential(
    request: Request, response: Response, ctx: Authorized, device_id: DeviceIdPath
) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return await _call(request, ctx, "rotate_device_credential", device_id)
