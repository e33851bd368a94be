"""Incidents (警情) and the data cube (数据魔方) over them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import MAX_PAGE_SIZE, GeoPoint


class IncidentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "incident_id": "b2d4…",
                    "reported_at": "2026-11-28T21:14:00+08:00",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "category": "theft",
                    "method": "pickpocket",
                    "status": "open",
                    "unit_path": "sz/futian/futian-xiangmihu",
                }
            ]
        },
    )

    incident_id: uuid.UUID
    reported_at: datetime
    location: GeoPoint
    category: str = Field(pattern=r"^[a-z_]{2,32}$")
    method: str | None = Field(default=None, pattern=r"^[a-z_]{2,32}$")
    status: str = Field(default="open", pattern=r"^(open|closed|transferred)$")
    #: city/branch/station of the jurisdiction the incident lies in (the branch is its district)
    unit_path: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$", max_length=400
    )


class Dimension(StrEnum):
    DISTRICT = "district"
    STATION = "station"
    CATEGORY = "category"
    METHOD = "method"
    STATUS = "status"
    HOUR_OF_DAY = "hour_of_day"
    WEEKDAY = "weekday"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class CubeQuery(BaseModel):
    """Counts of incidents by up to three dimensions, with every subtotal and the total."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "dimensions": ["month", "district", "category"],
                    "since": "2026-01-01T00:00:00+08:00",
                    "until": "2027-01-01T00:00:00+08:00",
                    "categories": ["theft", "fraud"],
                }
            ]
        },
    )

    dimensions: list[Dimension] = Field(min_length=1, max_length=3)
    since: datetime
    until: datetime
    categories: list[str] | None = Field(default=None, max_length=50)
    districts: list[str] | None = Field(default=None, max_length=50)


class CubeCell(BaseModel):
    """One count; a dimension that is null in `values` and listed in `rolled_up` is a subtotal
    over all its values."""

    values: dict[str, Any]
    rolled_up: list[Dimension]
    incidents: int


class Cube(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dimensions": ["district"],
                    "time_zone": "Asia/Shanghai",
                    "cells": [
                        {"values": {"district": "futian"}, "rolled_up": [], "incidents": 1204},
                        {
                            "values": {"district": None},
                            "rolled_up": ["district"],
                            "incidents": 3310,
                        },
                    ],
                }
            ]
        }
    )

    dimensions: list[Dimension]
    time_zone: str
    cells: list[CubeCell]


#: published by the data service for every batch of incidents it stored for the first time
INCIDENTS_RECORDED = "data.incident.recorded.v1"
MAX_INCIDENT_BATCH = 5000


#: incidents per request through the gateway (its body limit is 1 MiB)
MAX_INCIDENTS_PER_REQUEST = 1000


_INCIDENT_EXAMPLE: dict[str, Any] = {
    "incident_id": "0b6c2f9e-3f1d-4d0a-9a57-2f0e8f6d1c11",
    "reported_at": "2026-11-28T21:14:00+08:00",
    "location": {"lat": 22.5431, "lon": 114.0579},
    "category": "theft",
    "method": "pickpocket",
    "status": "open",
    "unit_path": "sz/futian/futian-xiangmihu",
}


class IncidentBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"incidents": [_INCIDENT_EXAMPLE]}]}
    )

    incidents: list[IncidentCreate] = Field(min_length=1, max_length=MAX_INCIDENTS_PER_REQUEST)


class IncidentsReceipt(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"recorded": 1, "repeated": 0}]})

    recorded: int
    #: incidents stored before (the same id): nothing changed for them
    repeated: int


class Incident(IncidentCreate):
    model_config = ConfigDict(extra="forbid")

    district: str
    station: str
    #: H3 cell (resolution 9) of the location
    cell: int


class IncidentsRecorded(BaseModel):
    """The incidents of one recording call that were new (a repeat adds nothing)."""

    incidents: list[Incident]


class IncidentQuery(BaseModel):
    """Incidents inside the caller's jurisdiction, newest first."""

    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime
    categories: list[str] | None = Field(default=None, max_length=50)
    districts: list[str] | None = Field(default=None, max_length=50)
    status: str | None = Field(default=None, pattern=r"^(open|closed|transferred)$")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=100)


class Incidents(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "incidents": [
                        {
                            **_INCIDENT_EXAMPLE,
                            "district": "futian",
                            "station": "futian-xiangmihu",
                            "cell": 617733122422996991,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    incidents: list[Incident]
    next_cursor: str | None = None
