"""智感防控 smart sensing: devices and sighting ingestion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from contracts.sightings import BatchReceipt, DeviceCreate, SightingBatchIn
from gateway.platform import platform_of
from gateway.problems import errors, example
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)


@router.post(
    "/sightings:batch",
    operation_id="prevention.record_sightings",
    response_model=BatchReceipt,
    responses=errors(),
    summary="Record a batch of up to 1,000 sightings (bad rows are dropped and reported, not "
    "the batch; a batch id sent again is recorded once). Devices send their own with "
    "`Authorization: Device <id>.<secret>`",
)
async def record_sightings(request: Request, ctx: Authorized, batch: SightingBatchIn) -> Any:
    return await platform_of(request).rpc.call(
        "prevention", "record_sightings", batch.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.post(
    "/devices",
    operation_id="prevention.register_device",
    status_code=201,
    response_model=DeviceCreate,
    responses=errors(409),
    summary="Register a device (checkpoint, camera or gate)",
)
async def register_device(request: Request, ctx: Authorized, device: DeviceCreate) -> Any:
    return await platform_of(request).rpc.call(
        "prevention", "register_device", device.model_dump(mode="json"), context=ctx.rpc_context
    )


@router.get(
    "/devices",
    operation_id="prevention.list_devices",
    responses={
        200: example(
            [
                {
                    "device_id": "cp-futian-01",
                    "kind": "checkpoint",
                    "name": "Shennan Rd",
                    "unit_id": "futian",
                    "lat": 22.5431,
                    "lon": 114.0579,
                    "active": True,
                }
            ]
        ),
        **errors(),
    },
    summary="Registered devices",
)
async def list_devices(request: Request, ctx: Authorized) -> Any:
    return await platform_of(request).rpc.call(
        "prevention", "list_devices", context=ctx.rpc_context
    )
