"""Places and points of interest the police cloud keeps (police stations, pawnshops, …)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.values import MAX_PAGE_SIZE, GeoPoint


class PlaceKind(StrEnum):
    POLICE_STATION = "police_station"
    PAWNSHOP = "pawnshop"
    LOCKSMITH = "locksmith"
    SEAL_ENGRAVER = "seal_engraver"
    SCHOOL = "school"
    RESIDENTIAL_COMMUNITY = "residential_community"
    SELF_SERVICE_HALL = "self_service_hall"


PLACE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
UNIT_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


class PlaceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "place_id": "poi-futian-pawn-001",
                    "kind": "pawnshop",
                    "name": "福田典当行",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "address": "深圳市福田区深南大道 1 号",
                    "district": "futian",
                    "phone": "0755-83000000",
                }
            ]
        },
    )

    place_id: str = Field(pattern=PLACE_ID_PATTERN)
    kind: PlaceKind
    name: str = Field(min_length=1, max_length=200)
    location: GeoPoint
    address: str | None = Field(default=None, max_length=300)
    #: the branch (district) whose jurisdiction the place lies in
    district: str = Field(pattern=UNIT_ID_PATTERN)
    phone: str | None = Field(default=None, pattern=r"^[0-9+-]{5,20}$")


class Place(PlaceCreate):
    model_config = ConfigDict(extra="forbid")

    #: H3 cell (resolution 9) of the location, as an integer
    cell: int
    #: metres from the `near` point of the query that found it, when it had one
    distance_m: float | None = None


#: how far a "near" place search reaches
MAX_NEAR_RADIUS_M = 20_000.0


class PlaceQuery(BaseModel):
    """Places by kind and district, or within a radius of a point (nearest first)."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[PlaceKind] | None = Field(default=None, max_length=len(PlaceKind))
    district: str | None = Field(default=None, pattern=UNIT_ID_PATTERN)
    near: GeoPoint | None = None
    radius_m: float | None = Field(default=None, gt=0, le=MAX_NEAR_RADIUS_M)
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    #: the `next_cursor` of the page before
    cursor: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _near_with_radius(self) -> PlaceQuery:
        if (self.near is None) != (self.radius_m is None):
            raise ValueError("near and radius_m go together")
        return self


class Places(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "places": [
                        {
                            "place_id": "poi-futian-pawn-001",
                            "kind": "pawnshop",
                            "name": "福田典当行",
                            "location": {"lat": 22.5431, "lon": 114.0579},
                            "address": "深圳市福田区深南大道 1 号",
                            "district": "futian",
                            "phone": "0755-83000000",
                            "cell": 617733122422996991,
                            "distance_m": 112.4,
                        }
                    ],
                    "next_cursor": "112.400|poi-futian-pawn-001",
                }
            ]
        }
    )

    places: list[Place]
    next_cursor: str | None = None
