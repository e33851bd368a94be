"""Sightings: a device saw a plate at a time and place."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.devices import (
    HEARTBEAT_INTERVAL_DEFAULT_S,
    HEARTBEAT_INTERVAL_MAX_S,
    HEARTBEAT_INTERVAL_MIN_S,
    VENDOR_MAX,
    DeviceDirection,
    DeviceKind,
    DeviceProtocol,
)
from contracts.values import GeoPoint

#: sightings in one batch, at either door (HTTP `sightings:batch` and the gRPC stream)
MAX_BATCH_ROWS = 1000
DeviceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
BatchId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]


class SightingIn(BaseModel):
    """One row as a device or an officer submits it (validated row by row at the edge)."""

    plate: str = Field(max_length=32, examples=["粤T12345"])
    device_id: str = Field(max_length=64, examples=["cp-futian-01"])
    seen_at: datetime
    location: GeoPoint | None = None


class SightingBatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "batch_id": "cp-futian-01:2026-11-29T08:00:00Z",
                    "sightings": [
                        {
                            "plate": "粤T12345",
                            "device_id": "cp-futian-01",
                            "seen_at": "2026-11-29T08:00:00+08:00",
                            "location": {"lat": 22.5431, "lon": 114.0579},
                        }
                    ],
                }
            ]
        },
    )

    #: the submitter's id for this batch: a batch posted twice is recorded once
    batch_id: BatchId
    #: rows shaped like `SightingIn`; each is validated on its own, and a bad row is dropped
    #: (and reported in the receipt) without failing the rest of the batch
    sightings: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class RejectedRow(BaseModel):
    index: int
    problem: str


class BatchReceipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": "cp-futian-01:2026-11-29T08:00:00Z",
                    "accepted": 1,
                    "duplicates": 0,
                    "rejected": [],
                    "event_id": "0b7c…",
                    "replayed": False,
                }
            ]
        }
    )

    batch_id: str
    accepted: int
    duplicates: int = Field(description="rows repeating another row of the batch")
    rejected: list[RejectedRow]
    event_id: str | None = Field(description="the event carrying the accepted rows")
    replayed: bool = Field(description="true when this batch was recorded before")


class Sighting(BaseModel):
    sighting_id: uuid.UUID
    plate: str
    device_id: str
    seen_at: datetime
    location: GeoPoint | None = None


class SightingsRecorded(BaseModel):
    """Payload of `prevention.sighting.recorded.v1`: one event per accepted batch."""

    batch_id: str
    unit: str | None = Field(description="unit of the submitter")
    sightings: list[Sighting]


SIGHTING_RECORDED = "prevention.sighting.recorded.v1"


class DeviceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
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
                }
            ]
        },
    )

    device_id: DeviceId
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=200)
    unit_id: str = Field(min_length=1, max_length=64)
    location: GeoPoint
    vendor: str | None = Field(default=None, min_length=1, max_length=VENDOR_MAX)
    protocol: DeviceProtocol | None = None
    direction: DeviceDirection | None = None
    #: how often the device reports that it is alive; silent past it (with grace), it is offline
    heartbeat_interval_s: int = Field(
        default=HEARTBEAT_INTERVAL_DEFAULT_S,
        ge=HEARTBEAT_INTERVAL_MIN_S,
        le=HEARTBEAT_INTERVAL_MAX_S,
    )


class TrajectoryQuery(BaseModel):
    """A plate's sightings in a time range, oldest first."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "since": "2026-11-28T00:00:00+08:00",
                    "until": "2026-11-29T00:00:00+08:00",
                    "limit": 100,
                }
            ]
        },
    )

    plate: str = Field(max_length=32)
    since: datetime
    until: datetime
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=100)
    #: a supervisor's authorisation: needed when the window reaches past the age limit
    authorisation_id: uuid.UUID | None = None


class TrajectoryPoint(BaseModel):
    sighting_id: uuid.UUID
    device_id: str
    seen_at: datetime
    location: GeoPoint | None


class Trajectory(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "points": [
                        {
                            "sighting_id": "77aa…",
                            "device_id": "cp-futian-01",
                            "seen_at": "2026-11-28T08:00:00Z",
                            "location": {"lat": 22.54, "lon": 114.05},
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    plate: str
    points: list[TrajectoryPoint]
    next_cursor: str | None


class PlaceCount(BaseModel):
    device_id: str
    sightings: int


class HourPlaces(BaseModel):
    hour: int = Field(ge=0, le=23, description="hour of day in the city's time zone")
    places: list[PlaceCount]


class PlateSummary(BaseModel):
    """First and last seen, and where a plate is seen most at each hour of the day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "first_seen": "2026-11-01T07:58:00Z",
                    "last_seen": "2026-11-28T18:40:00Z",
                    "sightings": 42,
                    "time_zone": "Asia/Shanghai",
                    "by_hour": [
                        {"hour": 8, "places": [{"device_id": "cp-futian-01", "sightings": 9}]}
                    ],
                }
            ]
        }
    )

    plate: str
    first_seen: datetime | None
    last_seen: datetime | None
    sightings: int
    time_zone: str
    by_hour: list[HourPlaces]


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: str = Field(max_length=32)
    since: datetime
    until: datetime
    places_per_hour: int = Field(default=3, ge=1, le=10)
    authorisation_id: uuid.UUID | None = None


class CollisionCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(min_length=1, max_length=64)
    since: datetime
    until: datetime


class CollisionQuery(BaseModel):
    """Plates that passed every one of the checkpoints, each within its window."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": "3f9e…",
                    "conditions": [
                        {
                            "device_id": "cp-futian-01",
                            "since": "2026-11-28T08:00:00+08:00",
                            "until": "2026-11-28T09:00:00+08:00",
                        },
                        {
                            "device_id": "cp-futian-02",
                            "since": "2026-11-28T09:00:00+08:00",
                            "until": "2026-11-28T10:00:00+08:00",
                        },
                    ],
                }
            ]
        },
    )

    authorisation_id: uuid.UUID
    conditions: list[CollisionCondition] = Field(min_length=2, max_length=5)


class Area(BaseModel):
    """A circle (center and radius) or a simple polygon (at least three corners)."""

    model_config = ConfigDict(extra="forbid")

    center: GeoPoint | None = None
    radius_m: float | None = Field(default=None, gt=0)
    polygon: list[GeoPoint] | None = Field(default=None, min_length=3, max_length=100)

    @model_validator(mode="after")
    def _one_shape(self) -> Area:
        circle = self.center is not None and self.radius_m is not None
        if circle == (self.polygon is not None) or (self.center is None) != (self.radius_m is None):
            raise ValueError("an area is either a center with a radius_m, or a polygon")
        return self


class AreaQuery(BaseModel):
    """Who was in an area in a time window: a sweep."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": "3f9e…",
                    "area": {"center": {"lat": 22.5405, "lon": 114.0553}, "radius_m": 500},
                    "since": "2026-11-28T08:00:00+08:00",
                    "until": "2026-11-28T12:00:00+08:00",
                }
            ]
        },
    )

    authorisation_id: uuid.UUID
    area: Area
    since: datetime
    until: datetime
    #: a senior officer may ask about an area touching a sensitive place, saying why
    override_reason: str | None = Field(default=None, min_length=10, max_length=1000)


class SweepResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"plates": ["粤T12345"], "pseudonyms": ["P-4be1c0a9d2f3"], "count": 2}]
        }
    )

    #: targets named by the authorisation, in clear
    plates: list[str]
    #: every other plate, as a pseudonym stable within the case
    pseudonyms: list[str]
    count: int


class SensitivePlaceKind(StrEnum):
    WORSHIP = "worship"
    CLINIC = "clinic"
    SCHOOL = "school"
    LAW_OFFICE = "law_office"
    NEWSROOM = "newsroom"
    ASSEMBLY_SITE = "assembly_site"


class SensitivePlace(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "place_id": "sp-0001",
                    "kind": "school",
                    "name": "Futian No. 2 Primary School",
                    "center": {"lat": 22.5421, "lon": 114.0568},
                    "radius_m": 150,
                }
            ]
        },
    )

    place_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    kind: SensitivePlaceKind
    name: str = Field(min_length=1, max_length=200)
    center: GeoPoint
    radius_m: float = Field(gt=0, le=5000)
