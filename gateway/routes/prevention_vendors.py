"""智感防控 smart sensing: vendor payloads (GA/T 1400, Hikvision ISAPI) turned into sightings.

Devices post their makers' own formats with their own credential (`Authorization: Device
<id>.<secret>`). The body is read raw (the gateway's body limit applies, and the payload limit
below) and handed to the prevention service byte for byte, in base64: the service adapts it,
validates each sighting and records the payload once however often it is resent.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from contracts.errors import PayloadTooLarge
from contracts.vendor_payloads import (
    MAX_PAYLOAD_BYTES,
    Gat1400Response,
    VendorFormat,
    VendorReceipt,
    gat1400_response,
)
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(
    prefix="/api/v1/prevention", tags=["prevention"], dependencies=[Depends(authorize)]
)

GAT1400_EXAMPLE = {
    "MotorVehicleListObject": {
        "MotorVehicleObject": [
            {
                "MotorVehicleID": "440304000013200000010220261129080512000010200001",
                "DeviceID": "44030400001320000001",
                "StorageUrl1": "http://10.20.30.40:8080/viid/pic/0805120001_plate.jpg",
                "HasPlate": "1",
                "PlateColor": "2",
                "PlateNo": "粤B12345",
                "PassTime": "20261129080512",
                "Direction": "1",
                "Speed": 42.5,
                "VehicleColor": "A",
            }
        ]
    }
}
ISAPI_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.20.31.17</ipAddress>
<channelID>1</channelID>
<dateTime>2026-11-29T08:05:12.368+08:00</dateTime>
<eventType>ANPR</eventType>
<eventState>active</eventState>
<ANPR>
<licensePlate>粤B6F7K2</licensePlate>
<direction>forward</direction>
<confidenceLevel>97</confidenceLevel>
</ANPR>
<UUID>7c1e5a9f-2b44-4e0d-9f63-1a2b3c4d5e6f</UUID>
</EventNotificationAlert>"""


async def _record(request: Request, ctx: Authorized, vendor_format: VendorFormat) -> VendorReceipt:
    raw = await request.body()
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"vendor payloads are limited to {MAX_PAYLOAD_BYTES} bytes")
    receipt = await platform_of(request).rpc.call(
        "prevention",
        "record_vendor_payload",
        str(vendor_format),
        base64.b64encode(raw).decode("ascii"),
        context=ctx.rpc_context,
    )
    return VendorReceipt.model_validate(receipt)


@router.post(
    "/vendors/gat1400/motor-vehicles",
    operation_id="prevention.record_gat1400_motor_vehicles",
    response_model=Gat1400Response,
    responses=errors(),
    summary="A device's GA/T 1400 (视图库) motor-vehicle list, as the device sends it (devices "
    "only; its objects' DeviceID must be the device's own id). Answered in GA/T 1400's style: "
    "one status per object (0 recorded, 8 refused, with the reason); a body that is not a "
    "MotorVehicleListObject is refused whole (422, the reason in `errors`). A resent upload is "
    "recorded once",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": GAT1400_EXAMPLE},
                "application/VIID+JSON": {"schema": {"type": "object"}},
            },
        }
    },
)
async def record_gat1400_motor_vehicles(request: Request, ctx: Authorized) -> Any:
    receipt = await _record(request, ctx, VendorFormat.GAT1400)
    return gat1400_response(receipt, request.url.path, datetime.now(UTC))


@router.post(
    "/vendors/isapi/anpr",
    operation_id="prevention.record_isapi_anpr",
    response_model=VendorReceipt,
    responses=errors(),
    summary="A Hikvision camera's ISAPI ANPR alert (`EventNotificationAlert` XML alone, not "
    "multipart; devices only; channel 1 is the camera itself). Other alerts, DOCTYPEs and "
    "entity declarations are refused whole (422, the reason in `errors`). A resent alert is "
    "recorded once",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": ISAPI_EXAMPLE},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def record_isapi_anpr(request: Request, ctx: Authorized) -> Any:
    return await _record(request, ctx, VendorFormat.ISAPI)
