"""Dispatch of patrol units to alerts, citizen reports and incidents."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import GeoPoint


class TaskSource(StrEnum):
    ALERT = "alert"  # a confirmed alert (warning)
    CITIZEN_REPORT = "citizen_report"
    INCIDENT = "incident"


class PatrolUnitIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "ft-car-07",
                    "station_id": "futian-xiangmihu",
                    "location": {"lat": 22.54, "lon": 114.02},
                    "status": "available",
                }
            ]
        },
    )

    unit_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    station_id: str = Field(max_length=64)
    location: GeoPoint
    status: str = Field(default="off_duty", pattern=r"^(available|off_duty)$")


class PatrolUnitUpdate(BaseModel):
    """Where a unit is, and whether it is on duty (busy states follow its task)."""

    model_config = ConfigDict(extra="forbid")

    location: GeoPoint | None = None
    status: str | None = Field(default=None, pattern=r"^(available|off_duty)$")


class PatrolUnit(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "ft-car-07",
                    "station_id": "futian-xiangmihu",
                    "location": {"lat": 22.54, "lon": 114.02},
                    "status": "en_route",
                    "updated_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    unit_id: str
    station_id: str
    location: GeoPoint
    status: str
    updated_at: datetime


class TaskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "incident",
                    "source_id": "0b6c2f9e-3f1d-4d0a-9a57-2f0e8f6d1c11",
                    "summary": "theft reported at the metro exit",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                }
            ]
        },
    )

    source: TaskSource
    #: the alert, report or incident it answers: one task each
    source_id: str = Field(min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=300)
    location: GeoPoint


class Recommendation(BaseModel):
    unit_id: str
    distance_m: float


class DispatchTask(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": "8e1f…",
                    "source": "incident",
                    "source_id": "0b6c…",
                    "summary": "theft reported at the metro exit",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "status": "en_route",
                    "unit_id": "ft-car-07",
                    "created_at": "2026-11-29T08:00:00Z",
                    "assigned_at": "2026-11-29T08:00:40Z",
                    "en_route_at": "2026-11-29T08:01:10Z",
                    "on_scene_at": None,
                    "closed_at": None,
                    "recommended": [{"unit_id": "ft-car-07", "distance_m": 812.0}],
                }
            ]
        }
    )

    task_id: uuid.UUID
    source: str
    source_id: str
    summary: str
    location: GeoPoint
    status: str
    unit_id: str | None
    created_at: datetime
    assigned_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None
    #: the nearest available units when the task was read (open tasks only)
    recommended: list[Recommendation] = []


class DispatchTasks(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tasks": [], "next_cursor": None}]})

    tasks: list[DispatchTask]
    next_cursor: str | None = None


class TaskMove(BaseModel):
    """assigned (with the unit) → en_route → on_scene → closed; closed from any state."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "assigned", "unit_id": "ft-car-07"}]},
    )

    status: str = Field(pattern=r"^(assigned|en_route|on_scene|closed)$")
    unit_id: str | None = Field(default=None, max_length=64)


class ResponseTimes(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tasks": 212, "median_s": 412.0, "p90_s": 905.0}]}
    )

    tasks: int
    median_s: float | None
    p90_s: float | None
