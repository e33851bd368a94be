"""The device registry: what a device is, how it proves who it is, and whether it is alive.

A device is registered with `contracts.sightings.DeviceCreate` (which takes the fields defined
here); these are the models of everything after that: changes, decommissioning, credentials,
heartbeats, health and uptime, and the two health events.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, GeoPoint

#: how often a device reports that it is alive, in seconds: bounds and the default
HEARTBEAT_INTERVAL_MIN_S = 5
HEARTBEAT_INTERVAL_MAX_S = 3600
HEARTBEAT_INTERVAL_DEFAULT_S = 60
VENDOR_MAX = 64
DECOMMISSION_REASON_MAX = 500
#: a credential is `<device_id>.<secret>`; nothing longer is even looked at
CREDENTIAL_MAX = 200

DEVICE_OFFLINE = "prevention.device.offline.v1"
DEVICE_ONLINE = "prevention.device.online.v1"


class DeviceKind(StrEnum):
    CAMERA = "camera"
    CHECKPOINT = "checkpoint"  # ANPR 卡口
    COMMUNITY_GATE = "community_gate"
    SCHOOL_GATE = "school_gate"
    #: a gate of no stated kind, as devices were registered before the two were told apart
    GATE = "gate"


class DeviceProtocol(StrEnum):
    GAT1400 = "gat1400"  # GA/T 1400 视图库
    ISAPI = "isapi"
    GRPC = "grpc"
    HTTP = "http"


class DeviceDirection(StrEnum):
    """Which traffic a device watches: into or out of the city, community or school, both, or
    one carriageway by compass heading."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"
    NORTHBOUND = "northbound"
    SOUTHBOUND = "southbound"
    EASTBOUND = "eastbound"
    WESTBOUND = "westbound"


class DeviceStatus(StrEnum):
    #: registered, not heard from yet, its first interval (with grace) not over
    PENDING = "pending"
    ONLINE = "online"
    #: silent past its interval (with grace); its next heartbeat brings it back
    OFFLINE = "offline"
    #: retired for good: its credential stops working and its sightings are refused
    DECOMMISSIONED = "decommissioned"


class DeviceUpdate(BaseModel):
    """A change to a registered device: only the fields given change (the id never does).
    `vendor`, `protocol` and `direction` may be cleared with null; the others may not."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"vendor": "hikvision", "protocol": "isapi", "heartbeat_interval_s": 30}]
        },
    )

    kind: DeviceKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit_id: str | None = Field(default=None, min_length=1, max_length=64)
    location: GeoPoint | None = None
    vendor: str | None = Field(default=None, min_length=1, max_length=VENDOR_MAX)
    protocol: DeviceProtocol | None = None
    direction: DeviceDirection | None = None
    heartbeat_interval_s: int | None = Field(
        default=None, ge=HEARTBEAT_INTERVAL_MIN_S, le=HEARTBEAT_INTERVAL_MAX_S
    )

    @model_validator(mode="after")
    def _something_and_nothing_required_cleared(self) -> DeviceUpdate:
        if not self.model_fields_set:
            raise ValueError("a change names at least one field")
        required = {"kind", "name", "unit_id", "location", "heartbeat_interval_s"}
        cleared = sorted(f for f in self.model_fields_set & required if getattr(self, f) is None)
        if cleared:
            raise ValueError(f"cannot be cleared: {', '.join(cleared)}")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, as given."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class DecommissionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "replaced by cp-futian-01b"}]},
    )

    reason: str = Field(min_length=1, max_length=DECOMMISSION_REASON_MAX)


class DeviceCredential(BaseModel):
    """A device's new credential, shown this once: only its hash is kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device_id": "cp-futian-01",
                    "credential": "cp-futian-01.3q2-7wEf…",
                    "issued_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    device_id: str
    credential: str = Field(
        description="`<device_id>.<secret>`: sent as `Authorization: Device <credential>`; "
        "it replaces the device's previous credential at once"
    )
    issued_at: datetime


class AuthenticatedDevice(BaseModel):
    """Who a valid credential belongs to (the gateway's `authenticate_device` answer)."""

    device_id: str
    kind: DeviceKind
    unit_id: str


class HeartbeatAck(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device_id": "cp-futian-01",
                    "received_at": "2026-11-29T08:00:00Z",
                    "heartbeat_interval_s": 60,
                    "status": "online",
                }
            ]
        }
    )

    device_id: str
    received_at: datetime
    #: when the next heartbeat is expected, counted from this one
    heartbeat_interval_s: int
    status: DeviceStatus


class Uptime(BaseModel):
    """How much of a window a device was up, counted over the part of it when it was watched
    (after registration, before decommissioning); null percent when it was not watched at all."""

    window_s: int
    monitored_s: int
    down_s: int
    percent: float | None = Field(description="up time over monitored time, in percent")


class Device(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "device_id": "cp-futian-01",
                    "kind": "checkpoint",
                    "name": "Shennan Rd checkpoint",
                    "unit_id": "futian",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "vendor": "hikvision",
                    "protocol": "isapi",
                    "direction": "inbound",
                    "heartbeat_interval_s": 60,
                    "status": "online",
                    "last_seen_at": "2026-11-29T08:00:00Z",
                    "offline_since": None,
                    "watched_since": "2026-11-01T00:00:00Z",
                    "decommissioned_at": None,
                    "credential_issued_at": "2026-11-01T00:00:00Z",
                    "uptime_24h": {
                        "window_s": 86400,
                        "monitored_s": 86400,
                        "down_s": 0,
                        "percent": 100.0,
                    },
                    "uptime_7d": {
                        "window_s": 604800,
                        "monitored_s": 604800,
                        "down_s": 3600,
                        "percent": 99.4,
                    },
                }
            ]
        }
    )

    device_id: str
    kind: DeviceKind
    name: str
    unit_id: str
    location: GeoPoint
    vendor: str | None
    protocol: DeviceProtocol | None
    direction: DeviceDirection | None
    heartbeat_interval_s: int
    status: DeviceStatus
    last_seen_at: datetime | None
    #: when the current outage began (its first missed heartbeat); null unless offline
    offline_since: datetime | None
    #: since when silence counts (registration, as the health monitor first saw the device)
    watched_since: datetime | None
    decommissioned_at: datetime | None
    credential_issued_at: datetime | None
    uptime_24h: Uptime
    uptime_7d: Uptime


class DeviceQuery(BaseModel):
    """Devices by id, optionally of one status, kind or unit."""

    model_config = ConfigDict(extra="forbid")

    status: DeviceStatus | None = None
    kind: DeviceKind | None = None
    unit_id: str | None = Field(default=None, min_length=1, max_length=64)
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    #: the last device id of the previous page
    cursor: str | None = Field(default=None, max_length=64)


class DeviceOffline(BaseModel):
    """Payload of `prevention.device.offline.v1`: once per outage."""

    device_id: str
    kind: DeviceKind
    unit_id: str
    last_seen_at: datetime | None = Field(
        description="its last heartbeat; null if it never sent one"
    )
    offline_since: datetime = Field(description="when its first missed heartbeat was due")
    detected_at: datetime
    heartbeat_interval_s: int


class DeviceOnline(BaseModel):
    """Payload of `prevention.device.online.v1`: a device heard from again after an outage."""

    device_id: str
    kind: DeviceKind
    unit_id: str
    offline_since: datetime
    online_at: datetime
    outage_s: int
