"""Supervisors' authorisations: what lets old sightings (and, later, sweeps) be read."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.sightings import Area
from contracts.values import Plate


class AuthorisationCreate(BaseModel):
    """Bound to a case and a plate, for a time window of the data, until it expires."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_id": "case-2026-0042",
                    "plate": "粤T12345",
                    "since": "2026-05-01T00:00:00+08:00",
                    "until": "2026-06-01T00:00:00+08:00",
                    "expires_at": "2026-12-06T00:00:00+08:00",
                    "reason": "the vehicle's movements around the May burglaries",
                }
            ]
        },
    )

    case_id: str = Field(min_length=1, max_length=64)
    plate: Plate
    since: datetime
    until: datetime
    expires_at: datetime
    reason: str = Field(min_length=10, max_length=1000)


class Authorisation(AuthorisationCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "authorisation_id": "3f9e…",
                    "case_id": "case-2026-0042",
                    "plate": "粤T12345",
                    "since": "2026-04-30T16:00:00Z",
                    "until": "2026-05-31T16:00:00Z",
                    "expires_at": "2026-12-05T16:00:00Z",
                    "reason": "…",
                    "issued_by": "zhang.min",
                    "issued_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    authorisation_id: uuid.UUID
    issued_by: str
    issued_at: datetime


class SweepAuthorisationCreate(BaseModel):
    """Lets an investigator ask who passed given checkpoints, for one case, until it expires.

    Plates the authorisation names as targets come back in clear; every other plate comes back
    as a pseudonym that is stable within the case and means nothing outside it.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_id": "case-2026-0042",
                    "devices": ["cp-futian-01", "cp-futian-02"],
                    "since": "2026-11-28T00:00:00+08:00",
                    "until": "2026-11-29T00:00:00+08:00",
                    "targets": ["粤T12345"],
                    "expires_at": "2026-12-06T00:00:00+08:00",
                    "reason": "vehicles at both ends of the Huanggang robbery route",
                }
            ]
        },
    )

    case_id: str = Field(min_length=1, max_length=64)
    #: checkpoints a collision may ask about
    devices: list[str] = Field(default_factory=list, max_length=20)
    #: the area an area sweep may ask about
    area: Area | None = None
    since: datetime
    until: datetime
    targets: list[Plate] = Field(default_factory=list, max_length=50)
    expires_at: datetime
    reason: str = Field(min_length=10, max_length=1000)


class SweepAuthorisation(SweepAuthorisationCreate):
    authorisation_id: uuid.UUID
    issued_by: str
    issued_at: datetime
