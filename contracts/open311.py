"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): public-safety service requests that
standard Open311 clients file and follow. Field names are the specification's, exactly."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.values import GeoPoint

#: "within 50 m of an open request of the same service" is offered as a possible duplicate
DUPLICATE_RADIUS_M = 50.0
#: the specification's default window and cap for GET requests
DEFAULT_WINDOW_DAYS = 90
MAX_REQUESTS_LISTED = 1000
MAX_IDS_PER_QUERY = 100
MAX_ATTRIBUTE_VALUE_LENGTH = 500
MAX_ATTRIBUTES = 30
SERVICE_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
API_KEY_ID_PATTERN = r"^[a-f0-9]{16}$"
#: an API key is `<key id>.<secret>`: looked up by id, the secret checked against its hash
API_KEY_PATTERN = r"^[a-f0-9]{16}\.[A-Za-z0-9_-]{20,100}$"


class Open311Format(StrEnum):
    JSON = "json"
    XML = "xml"


class RequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Datatype(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class Open311Error(BaseModel):
    """One element of the specification's error array."""

    code: int = Field(examples=[400])
    description: str = Field(examples=["service_code is required"])


class Service(BaseModel):
    """An element of GET services: one kind of issue that can be reported."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_code": "illegal_parking",
                    "service_name": "违法停车堵塞通道",
                    "description": "堵塞消防通道、出入口、人行横道或公交站的违法停车。",
                    "metadata": True,
                    "type": "realtime",
                    "keywords": "illegal parking,blocked,违停",
                    "group": "traffic",
                }
            ]
        }
    )

    service_code: str = Field(examples=["illegal_parking"])
    service_name: str = Field(examples=["违法停车堵塞通道 Illegal parking blocking access"])
    description: str
    #: true when GET services/{service_code} has attributes to fill in
    metadata: bool
    type: str = Field(default="realtime", examples=["realtime"])
    keywords: str = ""
    group: str = Field(examples=["traffic"])


class AttributeValue(BaseModel):
    key: str
    name: str


class ServiceAttribute(BaseModel):
    variable: bool = True
    code: str
    datatype: Datatype
    required: bool
    datatype_description: str = ""
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    """GET services/{service_code}: the attributes a request of this service carries."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_code": "illegal_parking",
                    "attributes": [
                        {
                            "variable": True,
                            "code": "blocking",
                            "datatype": "singlevaluelist",
                            "required": True,
                            "datatype_description": "",
                            "order": 2,
                            "description": "堵塞了什么",
                            "values": [{"key": "fire_lane", "name": "消防通道"}],
                        }
                    ],
                }
            ]
        }
    )

    service_code: str
    attributes: list[ServiceAttribute]


AttributeCode = Annotated[str, Field(max_length=64)]
AttributeText = Annotated[str, Field(max_length=MAX_ATTRIBUTE_VALUE_LENGTH)]
#: one value, or several for a multivaluelist
AttributeAnswer = AttributeText | list[AttributeText]


class ServiceRequestCreate(BaseModel):
    """POST requests (the form fields, `attribute[CODE]` gathered into `attributes`; the
    `api_key` travels beside it)."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(pattern=SERVICE_CODE_PATTERN)
    jurisdiction_id: str | None = Field(default=None, max_length=100)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    long: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    address_string: str | None = Field(default=None, max_length=300)
    address_id: str | None = Field(default=None, max_length=100)
    attributes: dict[AttributeCode, AttributeAnswer] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES
    )
    email: str | None = Field(default=None, max_length=254)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^[0-9+() -]{5,30}$")
    description: str | None = Field(default=None, max_length=4000)
    media_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _a_point_comes_whole(self) -> ServiceRequestCreate:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long go together")
        return self

    @property
    def location(self) -> GeoPoint | None:
        if self.lat is None or self.long is None:
            return None
        return GeoPoint(lat=self.lat, lon=self.long)


class ServiceRequestCreated(BaseModel):
    """An element of the POST requests answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_request_id": "5f0e8c1e-2b7a-4c1e-9d51-0c8f6a1e2b3c",
                    "service_notice": "已受理，民警将尽快处置。",
                    "account_id": None,
                }
            ]
        }
    )

    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


class ServiceRequest(BaseModel):
    """An element of GET requests and GET requests/{service_request_id}."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_request_id": "5f0e8c1e-2b7a-4c1e-9d51-0c8f6a1e2b3c",
                    "status": "closed",
                    "status_notes": "民警已到场处置，车辆已挪走。",
                    "service_name": "违法停车堵塞通道",
                    "service_code": "illegal_parking",
                    "description": "白色轿车堵住消防通道",
                    "agency_responsible": "深圳市公安局",
                    "service_notice": "已受理，民警将尽快处置。",
                    "requested_datetime": "2026-11-29T02:00:00Z",
                    "updated_datetime": "2026-11-29T02:40:00Z",
                    "expected_datetime": None,
                    "address": "深圳市福田区深南大道 1 号",
                    "address_id": None,
                    "zipcode": None,
                    "lat": 22.5431,
                    "long": 114.0579,
                    "media_url": None,
                }
            ]
        }
    )

    service_request_id: str
    status: RequestStatus
    status_notes: str | None = None
    service_name: str
    service_code: str
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class ServiceRequestQuery(BaseModel):
    """GET requests: `service_request_ids` overrides every other filter; otherwise the window
    is at most 90 days (the last 90 by default) and at most 1000 requests, newest first."""

    model_config = ConfigDict(extra="forbid")

    service_request_ids: list[str] | None = Field(default=None, max_length=MAX_IDS_PER_QUERY)
    service_codes: list[str] | None = Field(default=None, max_length=50)
    start_date: datetime | None = None
    end_date: datetime | None = None
    statuses: list[RequestStatus] | None = Field(default=None, max_length=2)


class StatusUpdate(BaseModel):
    """An officer moves a request on and says why (`status_notes` is public)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "closed",
                    "status_notes": "民警已到场处置，车辆已挪走。",
                    "agency_responsible": "福田分局香蜜湖派出所",
                }
            ]
        },
    )

    status: RequestStatus
    status_notes: str = Field(min_length=1, max_length=1000)
    agency_responsible: str | None = Field(default=None, max_length=200)
    expected_datetime: datetime | None = None


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "深圳 i 口袋 app"}]}
    )

    #: who holds the key (an app, a department's system)
    name: str = Field(min_length=1, max_length=100)


class ApiKeyIssued(BaseModel):
    """The key is shown once, here; only its argon2 hash is kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key_id": "0123456789abcdef",
                    "api_key": "0123456789abcdef.Zx8…",
                    "name": "深圳 i 口袋 app",
                    "issued_at": "2026-11-29T02:00:00Z",
                }
            ]
        }
    )

    key_id: str
    api_key: str
    name: str
    issued_at: datetime


class CitizenReportCreate(BaseModel):
    """A signed-in citizen's report through the citizen app (an Open311 request of their own)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "service_code": "illegal_parking",
                    "location": {"lat": 22.5431, "lon": 114.0579},
                    "description": "白色轿车堵住消防通道",
                    "attributes": {"plate": "粤B12345", "blocking": "fire_lane"},
                }
            ]
        },
    )

    service_code: str = Field(pattern=SERVICE_CODE_PATTERN)
    location: GeoPoint
    address_string: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    attributes: dict[AttributeCode, AttributeAnswer] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES
    )
    media_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")

    def as_service_request(self) -> ServiceRequestCreate:
        return ServiceRequestCreate(
            service_code=self.service_code,
            lat=self.location.lat,
            long=self.location.lon,
            address_string=self.address_string,
            description=self.description,
            attributes=self.attributes,
            media_url=self.media_url,
        )
