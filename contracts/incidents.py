"""Incidents (警情) and the data cube (数据魔方) over them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import GeoPoint


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
