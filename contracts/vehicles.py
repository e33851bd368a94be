"""Persons, vehicles and the vehicle dossier (一车一档)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.sightings import TrajectoryPoint
from contracts.values import Plate


class PersonCreate(BaseModel):
    """A person as registration records them. The national id is never stored: only a keyed
    hash (to find the person) and a masked form (to show)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "person_id": "p-000123",
                    "name": "王小明",
                    "national_id": "440304199001011234",
                    "phone": "13800138000",
                    "address": "深圳市福田区香蜜湖街道 1 号",
                }
            ]
        },
    )

    person_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(pattern=r"^[0-9]{17}[0-9X]$")
    phone: str | None = Field(default=None, pattern=r"^[0-9+-]{5,20}$")
    address: str | None = Field(default=None, max_length=300)


class PersonLookup(BaseModel):
    """Find one person by their id here or by national id (sent in a body, never in a URL,
    so it stays out of logs; matched by its keyed hash)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"national_id": "440304199001011234"}]}
    )

    person_id: str | None = Field(default=None, max_length=64)
    national_id: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$")

    @model_validator(mode="after")
    def _exactly_one(self) -> PersonLookup:
        if (self.person_id is None) == (self.national_id is None):
            raise ValueError("give exactly one of person_id and national_id")
        return self


class Person(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "person_id": "p-000123",
                    "name": "王**",
                    "national_id": "440304********1234",
                    "phone": "138****8000",
                    "address": None,
                    "masked": True,
                }
            ]
        }
    )

    person_id: str
    name: str
    national_id: str = Field(description="always masked")
    phone: str | None
    address: str | None
    masked: bool = Field(description="true when the purpose does not allow the details")


class VehicleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "vehicle_type": "small_car",
                    "colour": "white",
                    "brand": "BYD",
                    "vin": "LGXCE6CB0N0000001",
                    "owner_person_id": "p-000123",
                }
            ]
        },
    )

    plate: Plate
    vehicle_type: str = Field(pattern=r"^[a-z_]{2,32}$")
    colour: str | None = Field(default=None, max_length=32)
    brand: str | None = Field(default=None, max_length=64)
    vin: str | None = Field(default=None, pattern=r"^[A-HJ-NPR-Z0-9]{17}$")
    owner_person_id: str | None = Field(default=None, max_length=64)


class DossierAlert(BaseModel):
    alert_id: uuid.UUID
    reason: str
    device_id: str
    seen_at: datetime
    status: str


class DossierFine(BaseModel):
    fine_id: uuid.UUID
    violation: str
    amount_fen: int
    issued_at: datetime
    status: str


class DossierHotlistEntry(BaseModel):
    entry_id: uuid.UUID
    reason: str
    case_id: str | None
    expires_at: datetime
    #: active, expired (its time passed) or removed
    state: str


class DossierCase(BaseModel):
    case_id: str
    title: str
    status: str
    unit_path: str


class Dossier(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plate": "粤T12345",
                    "vehicle": {
                        "plate": "粤T12345",
                        "vehicle_type": "small_car",
                        "colour": "white",
                        "brand": "BYD",
                        "vin": "LGXCE6CB0N0000001",
                        "owner_person_id": "p-000123",
                    },
                    "owner": {
                        "person_id": "p-000123",
                        "name": "王**",
                        "national_id": "440304********1234",
                        "phone": "138****8000",
                        "address": None,
                        "masked": True,
                    },
                    "recent_sightings": [],
                    "alerts": [],
                    "fines": [
                        {
                            "fine_id": "9e1b…",
                            "violation": "speeding 20-50%",
                            "amount_fen": 20000,
                            "issued_at": "2026-10-02T09:30:00+08:00",
                            "status": "unpaid",
                        }
                    ],
                    "hotlist_entries": [],
                    "cases": [],
                }
            ]
        }
    )

    plate: str
    vehicle: VehicleCreate | None
    owner: Person | None
    #: newest first, younger than the age that needs an authorisation (90 days by default)
    recent_sightings: list[TrajectoryPoint]
    #: older ones, newest first: only with a supervisor's authorisation for the case and plate
    older_sightings: list[TrajectoryPoint] = []
    alerts: list[DossierAlert]
    #: newest first, as the citizen-services pillar last announced them
    fines: list[DossierFine] = []
    hotlist_entries: list[DossierHotlistEntry] = []
    #: cases that link the vehicle, as the investigation pillar last announced them
    cases: list[DossierCase] = []


class VehicleContact(BaseModel):
    """What the citizen service may know of a vehicle's registration: the last six characters
    of its VIN (the second factor with which a citizen shows they hold the vehicle's papers)
    and how to reach its owner (to tell them their car blocks someone; never shown to anyone).
    Served by `data.vehicle_contact` for the purposes citizen_service and traffic_enforcement,
    each read recorded in the ledger."""

    plate: str
    vin_tail: str | None = Field(description="the VIN's last six characters")
    owner_person_id: str | None
    owner_phone: str | None


class IdentityClaim(BaseModel):
    """A citizen's claim to be a registered person: their name and national id, matched by the
    data service (real-name verification, 实名认证)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "王小明", "national_id": "440304199001011234"}]},
    )

    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(pattern=r"^[0-9]{17}[0-9Xx]$")


class PersonSubjects(BaseModel):
    """A registered person, and the ledger subjects under which reads about them are recorded
    (`person=<id>`, and `plate=<plate>` for each vehicle they own)."""

    person_id: str
    name_masked: str
    subjects: list[str]
