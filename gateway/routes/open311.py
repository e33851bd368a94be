"""Open311 GeoReport v2: public-safety service requests for standard Open311 clients.

`/open311/v2/…` follows the specification (wiki.open311.org/GeoReport_v2) to the letter: JSON
or XML by the resource's suffix, a form-encoded POST that needs an API key, and errors as the
specification's array (not problem+json). Reading requests is public, as the specification
means it; nothing that identifies a reporter is ever shown. Beside it, under
`/api/v1/citizen/…`: administrators issue and revoke API keys, officers move requests on, and a
signed-in citizen files and follows their own reports.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from contracts.errors import Forbidden
from contracts.open311 import (
    API_KEY_ID_PATTERN,
    MAX_REQUESTS_LISTED,
    ApiKeyCreate,
    ApiKeyIssued,
    CitizenReportCreate,
    Open311Error,
    Open311Format,
    Service,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestCreate,
    ServiceRequestCreated,
    ServiceRequestQuery,
    StatusUpdate,
)
from contracts.values import MAX_PAGE_SIZE
from gateway.open311_wire import Open311Route, render, request_form, validated
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.rpc import RemoteError
from gateway.security import Authorized, authorize, record_refusal

XML = {"text/xml": {"schema": {"type": "string"}}}
OPEN311_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "model": list[Open311Error],
        "content": XML,
        "description": f"{description} (the specification's error array; `<errors>` for .xml)",
    }
    for status, description in (
        (400, "The request does not fit the specification"),
        (403, "Invalid or missing api_key"),
        (404, "No such service or request"),
        (429, "Too many requests (Retry-After says when to come back)"),
        (503, "Service unavailable"),
        (504, "The service did not answer in time"),
        ("4XX", "Any other refusal"),
    )
}
ResponseFormat = Annotated[Open311Format, Path(description="json or xml")]
CommaList = Annotated[str | None, Query(max_length=4000)]

georeport = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    route_class=Open311Route,
    dependencies=[Depends(authorize)],
)
staff = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])


def _split(raw: str | None) -> list[str] | None:
    values = [v.strip() for v in (raw or "").split(",") if v.strip()]
    return values or None


@georeport.get(
    "/services.{response_format}",
    operation_id="open311.list_services",
    response_model=list[Service],
    responses={200: {"content": XML}, **OPEN311_ERRORS},
    summary="GET Service List: the public-safety issues the police take reports of",
)
async def list_services(
    request: Request,
    ctx: Authorized,
    response_format: ResponseFormat,
    jurisdiction_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    found = await platform_of(request).rpc.call(
        "citizen", "open311_services", context=ctx.rpc_context
    )
    return render(found, "services", response_format)


@georeport.get(
    "/services/{service_code}.{response_format}",
    operation_id="open311.service_definition",
    response_model=ServiceDefinition,
    responses={200: {"content": XML}, **OPEN311_ERRORS},
    summary="GET Service Definition: the attributes a request of this service carries",
)
async def service_definition(
    request: Request,
    ctx: Authorized,
    service_code: Annotated[str, Path(max_length=32)],
    response_format: ResponseFormat,
    jurisdiction_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    found = await platform_of(request).rpc.call(
        "citizen", "open311_service_definition", service_code, context=ctx.rpc_context
    )
    return render(found, "service_definition", response_format)


FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["api_key", "service_code", "lat", "long"],
    "properties": {
        "api_key": {"type": "string", "description": "issued by an administrator"},
        "service_code": {"type": "string"},
        "jurisdiction_id": {"type": "string"},
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "address_string": {"type": "string"},
        "address_id": {"type": "string"},
        "attribute[CODE]": {
            "type": "string",
            "description": "one per attribute of the service definition; "
            "`attribute[CODE][]` repeated for a multivaluelist",
        },
        "email": {"type": "string"},
        "device_id": {"type": "string"},
        "account_id": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "description": {"type": "string"},
        "media_url": {"type": "string"},
    },
    "example": {
        "api_key": "0123456789abcdef.<secret>",
        "service_code": "illegal_parking",
        "lat": 22.5431,
        "long": 114.0579,
        "attribute[plate]": "粤B12345",
        "attribute[blocking]": "fire_lane",
        "description": "白色轿车堵住消防通道",
    },
}


@georeport.post(
    "/requests.{response_format}",
    operation_id="open311.create_request",
    status_code=201,
    response_model=list[ServiceRequestCreated],
    responses={201: {"content": XML}, **OPEN311_ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": FORM_SCHEMA}},
        }
    },
    summary="POST Service Request (form-encoded, with an api_key). A request within 50 m of "
    "an open one of the same service is kept and named as a possible duplicate in "
    "service_notice. Retried safely with Idempotency-Key",
)
async def create_request(
    request: Request,
    ctx: Authorized,
    response_format: ResponseFormat,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Any:
    fields, api_key = await request_form(request)
    filing: ServiceRequestCreate = validated(ServiceRequestCreate, fields)
    platform = platform_of(request)
    try:
        created = await platform.rpc.call(
            "citizen",
            "open311_create_request",
            filing.model_dump(mode="json"),
            api_key,
            idempotency_key or uuid.uuid4().hex,
            context=ctx.rpc_context,
        )
    except RemoteError as exc:
        if exc.exc_type == "Forbidden":
            await record_refusal(platform, request, ctx.operation, ctx.actor, Forbidden(exc.detail))
        raise
    return render(created, "service_requests", response_format, status_code=201)


@georeport.get(
    "/requests.{response_format}",
    operation_id="open311.list_requests",
    response_model=list[ServiceRequest],
    responses={200: {"content": XML}, **OPEN311_ERRORS},
    summary="GET Service Requests: by service_request_id (comma-separated, overrides the "
    "rest), or by service_code, status (open, closed) and start_date/end_date (at most 90 "
    f"days, the last 90 by default); at most {MAX_REQUESTS_LISTED}, newest first",
)
async def list_requests(
    request: Request,
    ctx: Authorized,
    response_format: ResponseFormat,
    service_request_id: CommaList = None,
    service_code: CommaList = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    jurisdiction_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    query: ServiceRequestQuery = validated(
        ServiceRequestQuery,
        {
            "service_request_ids": _split(service_request_id),
            "service_codes": _split(service_code),
            "start_date": start_date,
            "end_date": end_date,
            "statuses": _split(status),
        },
    )
    found = await platform_of(request).rpc.call(
        "citizen", "open311_requests", query.model_dump(mode="json"), context=ctx.rpc_context
    )
    return render(found, "service_requests", response_format)


@georeport.get(
    "/requests/{service_request_id}.{response_format}",
    operation_id="open311.get_request",
    response_model=list[ServiceRequest],
    responses={200: {"content": XML}, **OPEN311_ERRORS},
    summary="GET Service Request: one request (an array of one, as the specification says)",
)
async def get_request(
    request: Request,
    ctx: Authorized,
    service_request_id: Annotated[str, Path(max_length=64)],
    response_format: ResponseFormat,
    jurisdiction_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    found = await platform_of(request).rpc.call(
        "citizen", "open311_request", service_request_id, context=ctx.rpc_context
    )
    return render(found, "service_requests", response_format)


# -- administrators and officers --------------------------------------------------------------


@staff.post(
    "/open311/keys",
    operation_id="citizen.open311_issue_key",
    status_code=201,
    response_model=ApiKeyIssued,
    responses=errors(),
    summary="Issue an Open311 API key to an app or a department's system (administrators; "
    "the key is shown only in this answer)",
)
async def issue_key(request: Request, ctx: Authorized, holder: ApiKeyCreate) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "open311_issue_key", holder.model_dump(mode="json"), context=ctx.rpc_context
    )


@staff.delete(
    "/open311/keys/{key_id}",
    operation_id="citizen.open311_revoke_key",
    status_code=204,
    responses=errors(404),
    summary="Revoke an Open311 API key (administrators)",
)
async def revoke_key(
    request: Request,
    ctx: Authorized,
    key_id: Annotated[str, Path(pattern=API_KEY_ID_PATTERN)],
) -> None:
    await platform_of(request).rpc.call(
        "citizen", "open311_revoke_key", key_id, context=ctx.rpc_context
    )


@staff.post(
    "/open311/requests/{service_request_id}/status",
    operation_id="citizen.open311_update_status",
    response_model=ServiceRequest,
    responses=errors(404),
    summary="Move an Open311 request on (open or closed) with public status notes (officers, "
    "supervisors, dispatchers)",
)
async def update_status(
    request: Request,
    ctx: Authorized,
    service_request_id: uuid.UUID,
    change: StatusUpdate,
) -> Any:
    return await platform_of(request).rpc.call(
        "citizen",
        "open311_update_status",
        str(service_request_id),
        change.model_dump(mode="json"),
        context=ctx.rpc_context,
    )


# -- a signed-in citizen's own reports ----------------------------------------------------------


@staff.post(
    "/reports",
    operation_id="citizen.file_report",
    status_code=201,
    response_model=ServiceRequestCreated,
    responses=errors(),
    summary="File a public-safety report of your own (citizens; the services are Open311's, "
    "GET /open311/v2/services.json). Retried safely with Idempotency-Key",
)
async def file_report(
    request: Request,
    ctx: Authorized,
    report: CitizenReportCreate,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Any:
    return await platform_of(request).rpc.call(
        "citizen",
        "file_report",
        report.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
        context=ctx.rpc_context,
    )


@staff.get(
    "/reports",
    operation_id="citizen.my_reports",
    response_model=list[ServiceRequest],
    responses=errors(),
    summary="Your own reports, newest first (citizens)",
)
async def my_reports(
    request: Request,
    ctx: Authorized,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "my_reports", limit, context=ctx.rpc_context
    )


@staff.get(
    "/reports/{service_request_id}",
    operation_id="citizen.my_report",
    response_model=ServiceRequest,
    responses=errors(404),
    summary="One of your own reports (citizens; another citizen's is 404)",
)
async def my_report(request: Request, ctx: Authorized, service_request_id: uuid.UUID) -> Any:
    return await platform_of(request).rpc.call(
        "citizen", "my_report", str(service_request_id), context=ctx.rpc_context
    )


router = APIRouter()
router.include_router(georeport)
router.include_router(staff)
