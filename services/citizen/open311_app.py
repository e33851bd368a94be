"""Open311 use cases: API keys, filing a request (with its possible duplicate and its event to
dispatch), following requests, officers moving them on, and citizens' own reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chassis.dependencies import EventStager
from contracts.actor import Actor
from contracts.errors import Forbidden, NotFound, ValidationFailed
from contracts.open311 import (
    MAX_REQUESTS_LISTED,
    ApiKeyIssued,
    RequestStatus,
    Service,
    ServiceDefinition,
    ServiceRequest,
    ServiceRequestCreate,
    ServiceRequestCreated,
    ServiceRequestQuery,
    StatusUpdate,
)
from contracts.reports import CITIZEN_REPORT_FILED, CitizenReportFiled
from services.citizen.domain import open311 as rules
from services.citizen.open311_store import open311_api_keys, open311_requests

STAFF_ROLES = frozenset({"officer", "supervisor", "dispatcher"})
INVALID_KEY = "invalid or missing api_key: cannot proceed with creating the request"


def refused(error: rules.RequestRefused) -> ValidationFailed:
    return ValidationFailed(
        error.detail,
        errors=[{"field": field, "problem": problem} for field, problem in error.problems],
    )


# -- the service list -----------------------------------------------------------------------


def services() -> list[Service]:
    return rules.services()


def definition(service_code: str) -> ServiceDefinition:
    try:
        return rules.definition(service_code)
    except rules.UnknownService:
        raise NotFound("no such service_code") from None


# -- API keys -------------------------------------------------------------------------------


def issue_key(
    session: Session, actor: Actor, key: rules.NewApiKey, secret_hash: str, name: str, now: datetime
) -> ApiKeyIssued:
    if "admin" not in actor.roles:
        raise Forbidden("only an administrator issues Open311 API keys")
    session.execute(
        open311_api_keys.insert().values(
            key_id=key.key_id, name=name, secret_hash=secret_hash, issued_by=actor.id, issued_at=now
        )
    )
    return ApiKeyIssued(key_id=key.key_id, api_key=key.api_key, name=name, issued_at=now)


def revoke_key(session: Session, actor: Actor, key_id: str, now: datetime) -> None:
    if "admin" not in actor.roles:
        raise Forbidden("only an administrator revokes Open311 API keys")
    revoked = session.execute(
        update(open311_api_keys)
        .where(open311_api_keys.c.key_id == key_id, open311_api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(open311_api_keys.c.key_id)
    ).first()
    if revoked is None:
        raise NotFound("no such active key")


def stored_key_hash(session: Session, key_id: str) -> str | None:
    """The hash of an active key's secret (None when there is no such active key)."""
    hashed: str | None = session.execute(
        select(open311_api_keys.c.secret_hash).where(
            open311_api_keys.c.key_id == key_id, open311_api_keys.c.revoked_at.is_(None)
        )
    ).scalar()
    return hashed


# -- filing ---------------------------------------------------------------------------------


def _open_nearby(session: Session, service_code: str, point: Any) -> list[rules.OpenRequest]:
    south, west, north, east = rules.duplicate_search_box(point)
    t = open311_requests
    rows = session.execute(
        select(t.c.service_request_id, t.c.lat, t.c.lon).where(
            t.c.service_code == service_code,
            t.c.status == str(RequestStatus.OPEN),
            t.c.lat.between(south, north),
            t.c.lon.between(west, east),
        )
    )
    return [rules.OpenRequest(str(r.service_request_id), r.lat, r.lon) for r in rows]


def file_request(
    session: Session,
    events: EventStager,
    request: ServiceRequestCreate,
    now: datetime,
    *,
    api_key_id: str | None = None,
    citizen_id: str | None = None,
) -> ServiceRequestCreated:
    """Store the request, offer the nearest open one of the same service within 50 m as a
    possible duplicate (the new one is kept all the same), and announce it to dispatch."""
    try:
        spec = rules.spec_of(request.service_code)
    except rules.UnknownService:
        raise ValidationFailed(
            "service_code not found", errors=[{"field": "service_code", "problem": "unknown"}]
        ) from None
    try:
        attributes = rules.checked_attributes(spec, request.attributes)
        point = rules.location_of(request)
    except rules.RequestRefused as error:
        raise refused(error) from None
    # one filing at a time per service (a transaction-scoped lock): two reports of one thing
    # filed at the same moment still see each other as possible duplicates
    session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"open311:{request.service_code}")))
    )
    duplicate_of = rules.possible_duplicate(
        point, _open_nearby(session, request.service_code, point)
    )
    request_id = uuid.uuid4()
    notice = rules.service_notice(duplicate_of)
    contact = {
        k: v
        for k, v in request.model_dump(
            include={"email", "phone", "first_name", "last_name", "device_id"}
        ).items()
        if v is not None
    }
    session.execute(
        open311_requests.insert().values(
            service_request_id=request_id,
            service_code=spec.service.service_code,
            service_name=spec.service.service_name,
            status=str(RequestStatus.OPEN),
            description=request.description,
            agency_responsible=rules.AGENCY,
            service_notice=notice,
            address=request.address_string,
            address_id=request.address_id,
            lat=point.lat,
            lon=point.lon,
            media_url=request.media_url,
            attributes=attributes,
            contact=contact,
            account_id=request.account_id,
            requested_at=now,
            updated_at=now,
            duplicate_of=uuid.UUID(duplicate_of) if duplicate_of else None,
            api_key_id=api_key_id,
            citizen_id=citizen_id,
        )
    )
    events.stage(
        session,
        CITIZEN_REPORT_FILED,
        CitizenReportFiled(
            report_id=request_id,
            category=spec.service.service_code,
            summary=rules.summary(spec.service.service_name, request.description),
            location=point,
            filed_at=now,
        ),
    )
    return ServiceRequestCreated(
        service_request_id=str(request_id), service_notice=notice, account_id=request.account_id
    )


# -- following ------------------------------------------------------------------------------


def _service_request(row: Any) -> ServiceRequest:
    return ServiceRequest(
        service_request_id=str(row.service_request_id),
        status=RequestStatus(row.status),
        status_notes=row.status_notes,
        service_name=row.service_name,
        service_code=row.service_code,
        description=row.description,
        agency_responsible=row.agency_responsible,
        service_notice=row.service_notice,
        requested_datetime=row.requested_at,
        updated_datetime=row.updated_at,
        expected_datetime=row.expected_at,
        address=row.address,
        address_id=row.address_id,
        zipcode=row.zipcode,
        lat=row.lat,
        long=row.lon,
        media_url=row.media_url,
    )


def _uuids(raw: list[str]) -> list[uuid.UUID]:
    ids = []
    for value in raw:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue  # an id that cannot exist matches nothing
    return ids


def list_requests(
    session: Session, query: ServiceRequestQuery, now: datetime
) -> list[ServiceRequest]:
    t = open311_requests
    select_rows = select(t).order_by(t.c.requested_at.desc(), t.c.service_request_id)
    if query.service_request_ids:
        # the ids override every other filter, as the specification says
        select_rows = select_rows.where(
            t.c.service_request_id.in_(_uuids(query.service_request_ids))
        )
    else:
        try:
            start, end = rules.search_window(query.start_date, query.end_date, now)
        except rules.RequestRefused as error:
            raise refused(error) from None
        select_rows = select_rows.where(t.c.requested_at >= start, t.c.requested_at <= end)
        if query.service_codes:
            select_rows = select_rows.where(t.c.service_code.in_(query.service_codes))
        if query.statuses:
            select_rows = select_rows.where(t.c.status.in_([str(s) for s in query.statuses]))
    rows = session.execute(select_rows.limit(MAX_REQUESTS_LISTED))
    return [_service_request(row) for row in rows]


def _row(session: Session, service_request_id: str, *, lock: bool = False) -> Any:
    ids = _uuids([service_request_id])
    if not ids:
        raise NotFound("no such service_request_id")
    query = select(open311_requests).where(open311_requests.c.service_request_id == ids[0])
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("no such service_request_id")
    return row


def get_request(session: Session, service_request_id: str) -> ServiceRequest:
    return _service_request(_row(session, service_request_id))


def update_status(
    session: Session, actor: Actor, service_request_id: str, change: StatusUpdate, now: datetime
) -> ServiceRequest:
    if not STAFF_ROLES.intersection(actor.roles):
        raise Forbidden("only officers, supervisors and dispatchers move requests on")
    row = _row(session, service_request_id, lock=True)
    values: dict[str, Any] = {
        "status": str(change.status),
        "status_notes": change.status_notes,
        "updated_at": now,
    }
    if change.agency_responsible is not None:
        values["agency_responsible"] = change.agency_responsible
    if change.expected_datetime is not None:
        values["expected_at"] = change.expected_datetime
    session.execute(
        update(open311_requests)
        .where(open311_requests.c.service_request_id == row.service_request_id)
        .values(values)
    )
    return get_request(session, service_request_id)


# -- a citizen's own reports ----------------------------------------------------------------


def my_reports(session: Session, citizen_id: str, limit: int) -> list[ServiceRequest]:
    t = open311_requests
    rows = session.execute(
        select(t)
        .where(t.c.citizen_id == citizen_id)
        .order_by(t.c.requested_at.desc(), t.c.service_request_id)
        .limit(limit)
    )
    return [_service_request(row) for row in rows]


def my_report(session: Session, citizen_id: str, service_request_id: str) -> ServiceRequest:
    """A citizen's own report; another's is not found (it is not theirs to know it exists)."""
    row = _row(session, service_request_id)
    if row.citizen_id != citizen_id:
        raise NotFound("no such report")
    return _service_request(row)
