"""Appointments at traffic-police service halls (车驾管 and 交通违法 services): the catalogue of
service types, offices with their weekly opening hours, slots with a capacity, citizens'
bookings.

Opening hours are local wall-clock times of the city (Asia/Shanghai); every instant on the wire
is timezone-aware and served in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, GeoPoint, PageRequest

#: `dl-renewal`, `mv-transfer`, `tv-violation-handling`: a two-letter family, then words
ServiceCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z0-9]+){1,5}$", max_length=40)
]
OfficeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
#: a retried command with the same key does its work once (per citizen)
IDEMPOTENCY_KEY_MAX = 128

#: how many service types the catalogue holds (seeded reference data)
CATALOGUE_SIZE = 47
MAX_OPENING_PERIODS = 50
MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MIN_SLOT_CAPACITY = 1
MAX_SLOT_CAPACITY = 50
#: slots are generated for at most this many days at once
MAX_GENERATION_DAYS = 31
#: and at most this many slots at once (days × services × slots a day)
MAX_SLOTS_PER_GENERATION = 5000
#: free slots are listed for at most this many days at once, a week unless said
MAX_LISTING_DAYS = 31
DEFAULT_LISTING_DAYS = 7


class ServiceCategory(StrEnum):
    DRIVING_LICENCE = "driving_licence"  # 驾驶证业务
    VEHICLE = "vehicle"  # 机动车业务
    VIOLATION = "violation"  # 交通违法与事故处理


class ServiceType(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "dl-renewal",
                    "name_zh": "驾驶证有效期满换证",
                    "name_en": "Driving-licence renewal at expiry",
                    "category": "driving_licence",
                    "duration_min": 20,
                }
            ]
        }
    )

    code: str
    name_zh: str
    name_en: str
    category: ServiceCategory
    #: how long the service typically takes at the counter
    duration_min: int


class OpeningPeriod(BaseModel):
    """One stretch of opening time on one weekday, in the city's local time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 = Monday … 7 = Sunday")
    opens: time = Field(description="local time, e.g. 09:00")
    closes: time = Field(description="local time, after `opens` on the same day")

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningPeriod:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening hours are local wall-clock times, without an offset")
        if self.opens >= self.closes:
            raise ValueError("an opening period closes after it opens, on the same day")
        return self


class OfficeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "office_id": "office-futian",
                    "name": "福田交警大队车管服务大厅",
                    "address": "深圳市福田区香蜜湖路 1 号",
                    "location": {"lat": 22.5431, "lon": 114.0359},
                    "opening_hours": [
                        {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                        {"weekday": 1, "opens": "14:00", "closes": "17:30"},
                        {"weekday": 6, "opens": "09:00", "closes": "12:00"},
                    ],
                    "service_codes": ["dl-renewal", "mv-transfer"],
                }
            ]
        },
    )

    office_id: OfficeId
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=200)
    location: GeoPoint
    opening_hours: list[OpeningPeriod] = Field(min_length=1, max_length=MAX_OPENING_PERIODS)
    service_codes: list[ServiceCode] = Field(min_length=1, max_length=CATALOGUE_SIZE)


class Office(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "office_id": "office-futian",
                    "name": "福田交警大队车管服务大厅",
                    "address": "深圳市福田区香蜜湖路 3012 号",
                    "location": {"lat": 22.5463, "lon": 114.0282},
                    "opening_hours": [
                        {"weekday": 1, "opens": "09:00:00", "closes": "12:00:00"},
                        {"weekday": 1, "opens": "14:00:00", "closes": "17:30:00"},
                    ],
                    "service_codes": ["dl-renewal", "mv-transfer"],
                    "created_at": "2026-11-29T08:00:00Z",
                }
            ]
        }
    )

    office_id: str
    name: str
    address: str
    location: GeoPoint
    #: local times (Asia/Shanghai), by weekday then opening time
    opening_hours: list[OpeningPeriod]
    service_codes: list[str]
    created_at: datetime


class OfficeQuery(PageRequest):
    """Offices by id; with `service_code`, only those offering that service."""

    service_code: ServiceCode | None = None


class SlotGeneration(BaseModel):
    """Slots from the office's opening hours for a range of local days (both included). Slots
    that exist already, and slots that would start in the past, are left out."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_day": "2026-12-01",
                    "last_day": "2026-12-14",
                    "service_codes": ["dl-renewal"],
                    "slot_minutes": 30,
                    "capacity": 4,
                }
            ]
        },
    )

    first_day: date
    last_day: date
    service_codes: list[ServiceCode] = Field(min_length=1, max_length=CATALOGUE_SIZE)
    slot_minutes: int = Field(ge=MIN_SLOT_MINUTES, le=MAX_SLOT_MINUTES)
    capacity: int = Field(ge=MIN_SLOT_CAPACITY, le=MAX_SLOT_CAPACITY)

    @model_validator(mode="after")
    def _a_bounded_range(self) -> SlotGeneration:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        if (self.last_day - self.first_day).days + 1 > MAX_GENERATION_DAYS:
            raise ValueError(f"at most {MAX_GENERATION_DAYS} days at once")
        return self


class SlotsGenerated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"office_id": "office-futian", "created": 312, "existing": 0}]
        }
    )

    office_id: str
    created: int = Field(description="slots made by this request")
    existing: int = Field(description="slots of the range that were there already")


class SlotQuery(BaseModel):
    """Free slots (in the future, with places left) of one service at one office, for a range
    of local days (both included; from today and for a week unless said), earliest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    office_id: OfficeId
    service_code: ServiceCode
    first_day: date | None = None
    last_day: date | None = None
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _a_bounded_range(self) -> SlotQuery:
        if self.first_day is not None and self.last_day is not None:
            if self.last_day < self.first_day:
                raise ValueError("last_day is before first_day")
            if (self.last_day - self.first_day).days + 1 > MAX_LISTING_DAYS:
                raise ValueError(f"at most {MAX_LISTING_DAYS} days at once")
        return self


class Slot(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slot_id": "8c3f3f6e-4a43-4f0f-9a0c-7d4f7b0f2a11",
                    "office_id": "office-futian",
                    "service_code": "dl-renewal",
                    "starts_at": "2026-12-01T01:00:00Z",
                    "ends_at": "2026-12-01T01:30:00Z",
                    "capacity": 4,
                    "places_left": 1,
                }
            ]
        }
    )

    slot_id: uuid.UUID
    office_id: str
    service_code: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int


class BookingRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"slot_id": "8c3f3f6e-4a43-4f0f-9a0c-7d4f7b0f2a11"}]},
    )

    slot_id: uuid.UUID


class RescheduleRequest(BaseModel):
    """Move a booking to another slot of the same service (at any office offering it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"slot_id": "0d1e5b7a-2b51-4a54-8f9e-61f3c7a4d222"}]},
    )

    slot_id: uuid.UUID


class BookingStatus(StrEnum):
    BOOKED = "booked"  # an open booking: its slot has not started
    CANCELLED = "cancelled"
    COMPLETED = "completed"  # its slot has started: the booking is spent


class Booking(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "booking_id": "f5b8a0a2-8d4e-4b8e-9c55-3f4a2d1e0b77",
                    "slot_id": "8c3f3f6e-4a43-4f0f-9a0c-7d4f7b0f2a11",
                    "office_id": "office-futian",
                    "office_name": "福田交警大队车管服务大厅",
                    "service_code": "dl-renewal",
                    "service_name": "驾驶证有效期满换证",
                    "starts_at": "2026-12-01T01:00:00Z",
                    "ends_at": "2026-12-01T01:30:00Z",
                    "status": "booked",
                    "booked_at": "2026-11-29T08:00:00Z",
                    "cancelled_at": None,
                    "rescheduled_at": None,
                }
            ]
        }
    )

    booking_id: uuid.UUID
    slot_id: uuid.UUID
    office_id: str
    office_name: str
    service_code: str
    service_name: str
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    booked_at: datetime
    cancelled_at: datetime | None = None
    rescheduled_at: datetime | None = None
