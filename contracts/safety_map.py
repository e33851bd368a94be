"""The safety map (平安地图): the nearest police stations, pawnshops, locksmiths, seal engravers
and self-service certificate halls to a point, with their opening hours, as GeoJSON (RFC 7946:
coordinates are [lon, lat])."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from contracts.places import PLACE_ID_PATTERN, Place, PlaceKind
from contracts.values import GeoPoint

#: the kinds of place the public map shows (schools and residential communities are not shown)
SAFETY_MAP_KINDS: tuple[PlaceKind, ...] = (
    PlaceKind.POLICE_STATION,
    PlaceKind.PAWNSHOP,
    PlaceKind.LOCKSMITH,
    PlaceKind.SEAL_ENGRAVER,
    PlaceKind.SELF_SERVICE_HALL,
)
MAX_SAFETY_MAP_RADIUS_M = 20_000.0
MAX_SAFETY_MAP_FEATURES = 200
DEFAULT_SAFETY_MAP_RADIUS_M = 3_000.0
DEFAULT_SAFETY_MAP_FEATURES = 50
#: opening hours are local time of the city the map serves
SAFETY_MAP_TIME_ZONE = "Asia/Shanghai"
MAX_OPENING_PERIODS = 14


class SafetyMapKind(StrEnum):
    POLICE_STATION = "police_station"
    PAWNSHOP = "pawnshop"
    LOCKSMITH = "locksmith"
    SEAL_ENGRAVER = "seal_engraver"
    SELF_SERVICE_HALL = "self_service_hall"


_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError("a time of day is HH:MM, 00:00-24:00")
    return value


Clock = Annotated[str, AfterValidator(_clock)]


class OpeningPeriod(BaseModel):
    """Open on these ISO weekdays (1 = Monday … 7 = Sunday) from `opens` to `closes`, local
    time; a `closes` at or before `opens` runs past midnight into the next day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    opens: Clock = Field(examples=["09:00"])
    closes: Clock = Field(examples=["18:00"])

    @model_validator(mode="after")
    def _distinct_days(self) -> OpeningPeriod:
        if len(set(self.days)) != len(self.days):
            raise ValueError("a day is named twice")
        if self.opens == self.closes == "24:00":
            raise ValueError("24:00 to 24:00 is no period")
        return self


class OpeningHours(BaseModel):
    """Either open around the clock, or open in the listed periods (none: closed for now)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "always_open": False,
                    "periods": [{"days": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "18:00"}],
                },
                {"always_open": True, "periods": []},
            ]
        },
    )

    always_open: bool = False
    periods: list[OpeningPeriod] = Field(default_factory=list, max_length=MAX_OPENING_PERIODS)
    #: shown to the public beside the hours (e.g. "节假日照常营业")
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _always_or_periods(self) -> OpeningHours:
        if self.always_open and self.periods:
            raise ValueError("a place open around the clock lists no periods")
        return self


class HoursSource(StrEnum):
    #: an administrator set this place's hours
    PLACE = "place"
    #: the default for the place's kind
    KIND_DEFAULT = "kind_default"


class PlaceOpeningHours(BaseModel):
    """What an administrator set for one place (PUT answers this)."""

    place_id: str = Field(pattern=PLACE_ID_PATTERN)
    opening_hours: OpeningHours
    updated_at: datetime
    updated_by: str


class SafetyMapRequest(BaseModel):
    """What the gateway asks the citizen service: dress these places (nearest first, from the
    data service's `find_places`) as map features with their hours, optionally only those
    open now."""

    model_config = ConfigDict(extra="forbid")

    places: list[Place] = Field(max_length=500)
    open_now: bool | None = None
    limit: int = Field(default=DEFAULT_SAFETY_MAP_FEATURES, ge=1, le=MAX_SAFETY_MAP_FEATURES)


class PointGeometry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Point"] = "Point"
    #: [longitude, latitude], as RFC 7946 orders them
    coordinates: tuple[float, float]

    @classmethod
    def of(cls, point: GeoPoint) -> PointGeometry:
        return cls(coordinates=(point.lon, point.lat))


class SafetyPlaceProperties(BaseModel):
    place_id: str
    name: str
    kind: SafetyMapKind
    address: str | None = None
    phone: str | None = None
    distance_m: float
    opening_hours: OpeningHours
    hours_source: HoursSource
    #: open at the moment of the answer, local time
    open_now: bool


class SafetyPlaceFeature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PointGeometry
    properties: SafetyPlaceProperties


class SafetyMap(BaseModel):
    """A GeoJSON FeatureCollection, nearest place first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "id": "ps-futian-xiangmihu",
                            "geometry": {"type": "Point", "coordinates": [114.0230, 22.5470]},
                            "properties": {
                                "place_id": "ps-futian-xiangmihu",
                                "name": "香蜜湖派出所",
                                "kind": "police_station",
                                "address": "深圳市福田区香蜜湖路 1 号",
                                "phone": "0755-83000110",
                                "distance_m": 212.7,
                                "opening_hours": {"always_open": True, "periods": []},
                                "hours_source": "kind_default",
                                "open_now": True,
                            },
                        }
                    ],
                    "time_zone": "Asia/Shanghai",
                    "generated_at": "2026-11-29T02:00:00Z",
                }
            ]
        }
    )

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SafetyPlaceFeature]
    #: the zone in which opening hours and `open_now` are reckoned
    time_zone: str = SAFETY_MAP_TIME_ZONE
    generated_at: datetime
