"""智服惠民 citizen services: appointments at traffic-police service halls.

The catalogue, offices and free slots are public; bookings are a citizen's own (another
citizen's booking is 404); administrators make offices and their slots.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from contracts.appointments import (
    IDEMPOTENCY_KEY_MAX,
    Booking,
    BookingRequest,
    Office,
    OfficeCreate,
    RescheduleRequest,
    ServiceType,
    Slot,
    SlotGeneration,
    SlotsGenerated,
)
from contracts.values import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from gateway.platform import platform_of
from gateway.problems import errors
from gateway.security import Authorized, authorize

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"], dependencies=[Depends(authorize)])

SERVICE = "citizen"
OfficeIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
ServiceCodeQuery = Annotated[str, Query(pattern=r"^[a-z]{2}(-[a-z0-9]+){1,5}$", max_length=40)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=200)]
IdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=IDEMPOTENCY_KEY_MAX)]


async def _call(request: Request, ctx: Authorized, method: str, *args: Any) -> Any:
    return await platform_of(request).rpc.call(SERVICE, method, *args, context=ctx.rpc_context)


# -- catalogue, offices, free slots (public) ---------------------------------------------------


@router.get(
    "/appointments/service-types",
    operation_id="citizen.list_appointment_service_types",
    response_model=Page[ServiceType],
    responses=errors(),
    summary="The catalogue of the 47 traffic-police service types one may book (public)",
)
async def list_service_types(
    request: Request, ctx: Authorized, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "list_service_types", {"limit": limit, "cursor": cursor})


@router.get(
    "/appointments/offices",
    operation_id="citizen.list_appointment_offices",
    response_model=Page[Office],
    responses=errors(),
    summary="Service halls with their opening hours (local time) and services, by id; "
    "`service_code` keeps those offering it (public)",
)
async def list_offices(
    request: Request,
    ctx: Authorized,
    service_code: Annotated[
        str | None, Query(pattern=r"^[a-z]{2}(-[a-z0-9]+){1,5}$", max_length=40)
    ] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    query = {"service_code": service_code, "limit": limit, "cursor": cursor}
    return await _call(request, ctx, "list_offices", query)


@router.get(
    "/appointments/offices/{office_id}",
    operation_id="citizen.get_appointment_office",
    response_model=Office,
    responses=errors(404),
    summary="One service hall (public)",
)
async def get_office(request: Request, ctx: Authorized, office_id: OfficeIdPath) -> Any:
    return await _call(request, ctx, "get_office", office_id)


@router.get(
    "/appointments/offices/{office_id}/slots",
    operation_id="citizen.list_free_appointment_slots",
    response_model=Page[Slot],
    responses=errors(404),
    summary="Free slots (future, places left) of one service at one hall, earliest first, for "
    "local days first_day..last_day (from today for a week by default; at most 31 days) (public)",
)
async def list_free_slots(
    request: Request,
    ctx: Authorized,
    office_id: OfficeIdPath,
    service_code: ServiceCodeQuery,
    first_day: date | None = None,
    last_day: date | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Any:
    query = {
        "office_id": office_id,
        "service_code": service_code,
        "first_day": first_day.isoformat() if first_day else None,
        "last_day": last_day.isoformat() if last_day else None,
        "limit": limit,
        "cursor": cursor,
    }
    return await _call(request, ctx, "list_free_slots", query)


# -- administration ----------------------------------------------------------------------------


@router.post(
    "/appointments/offices",
    operation_id="citizen.create_appointment_office",
    status_code=201,
    response_model=Office,
    responses=errors(409),
    summary="Open a service hall: its location, weekly opening hours (local time) and the "
    "services it offers (administrators; 409 if the id is taken)",
)
async def create_office(request: Request, ctx: Authorized, office: OfficeCreate) -> Any:
    return await _call(request, ctx, "create_office", office.model_dump(mode="json"))


@router.post(
    "/appointments/offices/{office_id}/slots:generate",
    operation_id="citizen.generate_appointment_slots",
    response_model=SlotsGenerated,
    responses=errors(404),
    summary="Cut slots from the hall's opening hours for up to 31 local days and 5,000 slots "
    "at once (capacity 1-50 a slot); existing slots stay as they are (administrators)",
)
async def generate_slots(
    request: Request, ctx: Authorized, office_id: OfficeIdPath, generation: SlotGeneration
) -> Any:
    return await _call(
        request, ctx, "generate_slots", office_id, generation.model_dump(mode="json")
    )


# -- a citizen's bookings ----------------------------------------------------------------------


@router.post(
    "/appointments/bookings",
    operation_id="citizen.book_appointment",
    status_code=201,
    response_model=Booking,
    responses=errors(404, 409),
    summary="Book a place in a slot (citizens): 409 when the slot is full or has started, or "
    "you hold an open booking for the service or 3 open bookings; 422 beyond 30 days. "
    "Retried safely with Idempotency-Key",
)
async def book_appointment(
    request: Request,
    ctx: Authorized,
    booking: BookingRequest,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "book_appointment",
        booking.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )


@router.get(
    "/appointments/bookings",
    operation_id="citizen.list_my_appointments",
    response_model=Page[Booking],
    responses=errors(),
    summary="Your bookings, newest first (citizens)",
)
async def list_my_appointments(
    request: Request, ctx: Authorized, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> Any:
    return await _call(request, ctx, "my_appointments", {"limit": limit, "cursor": cursor})


@router.get(
    "/appointments/bookings/{booking_id}",
    operation_id="citizen.get_my_appointment",
    response_model=Booking,
    responses=errors(404),
    summary="One of your bookings (citizens; anyone else's is 404)",
)
async def get_my_appointment(request: Request, ctx: Authorized, booking_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "my_appointment", str(booking_id))


@router.post(
    "/appointments/bookings/{booking_id}:cancel",
    operation_id="citizen.cancel_appointment",
    response_model=Booking,
    responses=errors(404, 409),
    summary="Cancel your booking until its slot starts (citizens; cancelling again changes "
    "nothing)",
)
async def cancel_appointment(request: Request, ctx: Authorized, booking_id: uuid.UUID) -> Any:
    return await _call(request, ctx, "cancel_appointment", str(booking_id))


@router.post(
    "/appointments/bookings/{booking_id}:reschedule",
    operation_id="citizen.reschedule_appointment",
    response_model=Booking,
    responses=errors(404, 409),
    summary="Move your booking to another slot of the same service, in one step: if that slot "
    "is full (409) the booking stays as it was (citizens; retried safely with Idempotency-Key)",
)
async def reschedule_appointment(
    request: Request,
    ctx: Authorized,
    booking_id: uuid.UUID,
    change: RescheduleRequest,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return await _call(
        request,
        ctx,
        "reschedule_appointment",
        str(booking_id),
        change.model_dump(mode="json"),
        idempotency_key or uuid.uuid4().hex,
    )
