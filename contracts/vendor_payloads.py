"""Vendor payloads: what devices send in their makers' formats, and what they get back.

Two formats are read: GA/T 1400.4 (视图库) motor-vehicle objects in JSON, and Hikvision ISAPI
`EventNotificationAlert` XML of type ANPR. Each is turned into sighting rows and recorded like
`record_sightings`; what could not be turned into a sighting is named by the item's position in
the payload with a machine-readable reason (never the input itself).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

#: a raw payload larger than this is refused whole (the gateway's body limit is the same 1 MiB)
MAX_PAYLOAD_BYTES = 1_048_576
#: base64 of the largest payload
MAX_PAYLOAD_BASE64_CHARS = (MAX_PAYLOAD_BYTES + 2) // 3 * 4
#: objects in one GA/T 1400 list; more is refused whole
MAX_OBJECTS = 1000
#: GA/T 1400 times are local times of the city
LOCAL_TIME_ZONE = ZoneInfo("Asia/Shanghai")


class VendorFormat(StrEnum):
    GAT1400 = "gat1400"
    ISAPI = "isapi"


class VendorRejectReason(StrEnum):
    """Why a payload (index null) or one item of it was not recorded."""

    # the payload as a whole
    PAYLOAD_TOO_LARGE = "payload_too_large"
    EMPTY_PAYLOAD = "empty_payload"
    BAD_ENCODING = "bad_encoding"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_XML = "malformed_xml"
    #: a DOCTYPE or entity declaration: refused before anything is expanded
    FORBIDDEN_XML = "forbidden_xml"
    UNEXPECTED_SHAPE = "unexpected_shape"
    TOO_MANY_OBJECTS = "too_many_objects"
    UNSUPPORTED_EVENT = "unsupported_event"
    # one item
    WRONG_TYPE = "wrong_type"
    MISSING_FIELD = "missing_field"
    DEVICE_MISMATCH = "device_mismatch"
    NO_PLATE = "no_plate"
    BAD_PLATE = "bad_plate"
    BAD_TIME = "bad_time"
    BAD_LOCATION = "bad_location"
    #: adapted, then refused by the platform's sighting rules (detail says which)
    SIGHTING_REJECTED = "sighting_rejected"
    #: the adapter failed unexpectedly; never expected, kept so that nothing escapes as a 500
    UNREADABLE = "unreadable"


#: reasons that refuse the payload as a whole
PAYLOAD_REASONS = frozenset(
    {
        VendorRejectReason.PAYLOAD_TOO_LARGE,
        VendorRejectReason.EMPTY_PAYLOAD,
        VendorRejectReason.BAD_ENCODING,
        VendorRejectReason.MALFORMED_JSON,
        VendorRejectReason.MALFORMED_XML,
        VendorRejectReason.FORBIDDEN_XML,
        VendorRejectReason.UNEXPECTED_SHAPE,
        VendorRejectReason.TOO_MANY_OBJECTS,
        VendorRejectReason.UNSUPPORTED_EVENT,
        VendorRejectReason.UNREADABLE,
    }
)


class VendorRejection(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int | None = Field(
        description="position of the item in the payload; null when the whole payload is refused"
    )
    reason: VendorRejectReason
    detail: str = Field(max_length=200, description="what was wrong, never the input itself")


class VendorPayload(BaseModel):
    """Argument of the `record_vendor_payload` RPC: the device's raw body, byte for byte."""

    model_config = ConfigDict(extra="forbid")

    format: VendorFormat
    body_base64: str = Field(min_length=1, max_length=MAX_PAYLOAD_BASE64_CHARS)


class VendorReceipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "isapi",
                    "batch_id": "isapi:9f2c4e0b7a1d3c5e8f60718293a4b5c6",
                    "items": 1,
                    "item_ids": ["a3c1f0d2-7b4e-4f1a-9c2d-0e5b6a7c8d9e"],
                    "accepted": 1,
                    "duplicates": 0,
                    "rejected": [],
                    "event_id": "0b7c…",
                    "replayed": False,
                }
            ]
        }
    )

    format: VendorFormat
    batch_id: str = Field(description="derived from the payload's bytes: a resent payload is one")
    items: int = Field(description="objects (GA/T 1400) or alerts (ISAPI) in the payload")
    item_ids: list[str | None] = Field(
        description="the vendor's own id of each item (MotorVehicleID, ISAPI UUID), where usable"
    )
    accepted: int
    duplicates: int = Field(description="items repeating another read of the same passage")
    rejected: list[VendorRejection]
    event_id: str | None = Field(description="the event carrying the accepted sightings")
    replayed: bool = Field(description="true when this payload was recorded before")


# -- GA/T 1400.4 response style ---------------------------------------------------------------

#: GA/T 1400.4 status codes used here: 0 OK, 8 invalid JSON content
GAT1400_OK = 0
GAT1400_INVALID_JSON_CONTENT = 8


class Gat1400ResponseStatus(BaseModel):
    RequestURL: str
    StatusCode: int
    StatusString: str
    Id: str | None
    LocalTime: str = Field(description="yyyyMMddHHmmss, the city's local time")


class Gat1400ResponseStatusList(BaseModel):
    ResponseStatusObject: list[Gat1400ResponseStatus]


class Gat1400Response(BaseModel):
    """A GA/T 1400 platform's answer to a list upload: one status per object, in order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ResponseStatusListObject": {
                        "ResponseStatusObject": [
                            {
                                "RequestURL": "/api/v1/prevention/vendors/gat1400/motor-vehicles",
                                "StatusCode": 0,
                                "StatusString": "OK",
                                "Id": "440304000013200000010220261129080000000010000001",
                                "LocalTime": "20261129080001",
                            }
                        ]
                    }
                }
            ]
        }
    )

    ResponseStatusListObject: Gat1400ResponseStatusList


def gat1400_response(receipt: VendorReceipt, request_url: str, now: datetime) -> Gat1400Response:
    """The receipt in GA/T 1400's words: each object OK, or code 8 with the reason."""
    local_time = now.astimezone(LOCAL_TIME_ZONE).strftime("%Y%m%d%H%M%S")
    problems = {r.index: r for r in receipt.rejected if r.index is not None}
    statuses = []
    for index, item_id in enumerate(receipt.item_ids):
        problem = problems.get(index)
        statuses.append(
            Gat1400ResponseStatus(
                RequestURL=request_url,
                StatusCode=GAT1400_OK if problem is None else GAT1400_INVALID_JSON_CONTENT,
                StatusString="OK" if problem is None else f"{problem.reason}: {problem.detail}",
                Id=item_id,
                LocalTime=local_time,
            )
        )
    return Gat1400Response(
        ResponseStatusListObject=Gat1400ResponseStatusList(ResponseStatusObject=statuses)
    )
