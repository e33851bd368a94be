"""Certificate use cases: a citizen's requests with pick-up at a self-service hall, the
officers' queue and decisions (the number given on issue, the citizen told by SMS), collection,
revocation, and the public check of a number."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contracts.actor import Actor
from contracts.certificates import (
    MAX_CERTIFICATE_NUMBER_CHARS,
    CertificateDecision,
    CertificateDecisionKind,
    CertificateRequest,
    CertificateRequestCreate,
    CertificateRequests,
    CertificateRequestSummary,
    CertificateRevocation,
    CertificateStatus,
    CertificateTransition,
    CertificateType,
    CertificateVerification,
    PickupHall,
    PickupHalls,
)
from contracts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contracts.notifications import Channel, NotificationRequest
from contracts.places import PlaceKind
from contracts.values import MAX_PAGE_SIZE
from services.citizen import accounts_app, notifications_app
from services.citizen import permits_store as store
from services.citizen.domain import certificates as rules
from services.citizen.domain.certificates import CertificateRuleBroken
from services.citizen.permits_app import (
    CITIZEN,
    SENDER,
    decode_cursor,
    encode_cursor,
    is_supervisor,
    reviewer_of,
)
from services.citizen.settings import Settings

#: DEV ONLY: keys the check part of certificate numbers when the settings name no key. A
#: deployment sets its own secret (a `certificate_number_key` setting); numbers issued under
#: one key do not verify under another.
#: certificates are dated in the city's own time
LOCAL_TIME_ZONE = ZoneInfo("Asia/Shanghai")
READY_CATEGORY = "certificate_ready"
REFUSED_CATEGORY = "certificate_refused"
#: pages of halls read when looking for the one a citizen chose (500 each)
MAX_HALL_PAGES = 10

#: `data.find_places` as this service reaches it: a PlaceQuery in, Places out
FindPlaces = Callable[[dict[str, Any]], dict[str, Any]]


def number_key(settings: Settings) -> bytes:
    return settings.certificate_number_key.get_secret_value().encode()


def _hall(place: dict[str, Any]) -> PickupHall:
    return PickupHall(
        hall_id=place["place_id"],
        name=place["name"],
        address=place.get("address"),
        district=place["district"],
    )


def halls(
    find_places: FindPlaces, district: str | None, cursor: str | None, limit: int
) -> PickupHalls:
    """Self-service halls where certificates are picked up, as the police cloud lists them."""
    found = find_places(
        {
            "kinds": [str(PlaceKind.SELF_SERVICE_HALL)],
            "district": district,
            "cursor": cursor,
            "limit": limit,
        }
    )
    return PickupHalls(
        halls=[_hall(p) for p in found["places"]], next_cursor=found.get("next_cursor")
    )


def find_hall(find_places: FindPlaces, hall_id: str) -> PickupHall:
    """The chosen hall; one that is not a self-service hall of the police cloud is refused."""
    cursor = None
    for _ in range(MAX_HALL_PAGES):
        page = halls(find_places, None, cursor, MAX_PAGE_SIZE)
        for hall in page.halls:
            if hall.hall_id == hall_id:
                return hall
        cursor = page.next_cursor
        if cursor is None:
            break
    raise ValidationFailed(
        "no self-service hall has this id", errors=[{"field": "hall_id", "problem": "unknown_hall"}]
    )


def _request(session: Session, row: Any) -> CertificateRequest:
    history = [
        CertificateTransition(status=t.status, at=t.at, by=t.by, reason=t.reason)
        for t in store.certificate_transitions_of(session, row.request_id)
    ]
    certificate_type = CertificateType(row.certificate_type)
    return CertificateRequest(
        request_id=row.request_id,
        citizen_id=row.citizen_id,
        certificate_type=certificate_type,
        certificate_name=rules.KINDS[certificate_type].name,
        purpose=row.purpose,
        hall=PickupHall(
            hall_id=row.hall_id,
            name=row.hall_name,
            address=row.hall_address,
            district=row.hall_district,
        ),
        status=row.status,
        reviewer=row.reviewer,
        certificate_number=row.certificate_number,
        issued_on=row.issued_on,
        requested_at=row.requested_at,
        updated_at=row.updated_at,
        history=history,
    )


def _listing(rows: Sequence[Any], limit: int) -> CertificateRequests:
    items = [
        CertificateRequestSummary(
            request_id=r.request_id,
            certificate_type=r.certificate_type,
            status=r.status,
            hall_id=r.hall_id,
            certificate_number=r.certificate_number,
            requested_at=r.requested_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
    last = rows[-1] if len(rows) == limit else None
    return CertificateRequests(
        items=items,
        next_cursor=encode_cursor(last.requested_at, last.request_id) if last else None,
    )


def request(
    session: Session,
    actor: Actor,
    create: CertificateRequestCreate,
    hall: PickupHall,
    now: datetime,
) -> CertificateRequest:
    citizen_id = accounts_app.citizen_of(actor)
    request_id = uuid.uuid4()
    store.add_certificate_request(
        session,
        {
            "request_id": request_id,
            "citizen_id": citizen_id,
            "certificate_type": str(create.certificate_type),
            "purpose": create.purpose,
            "hall_id": hall.hall_id,
            "hall_name": hall.name[:200],
            "hall_address": hall.address,
            "hall_district": hall.district,
            "status": str(CertificateStatus.REQUESTED),
            "requested_at": now,
            "updated_at": now,
        },
    )
    store.add_certificate_transition(
        session, request_id, str(CertificateStatus.REQUESTED), now, CITIZEN, None
    )
    return _request(session, store.certificate_request(session, request_id))


def my_requests(
    session: Session, actor: Actor, cursor: str | None, limit: int
) -> CertificateRequests:
    """The citizen's own requests, newest first."""
    citizen_id = accounts_app.citizen_of(actor)
    rows = store.citizens_certificate_requests(session, citizen_id, decode_cursor(cursor), limit)
    return _listing(rows, limit)


def my_request(session: Session, actor: Actor, request_id: uuid.UUID) -> CertificateRequest:
    """The citizen's own request; another's is not found, exactly like a missing one."""
    row = store.certificate_request(session, request_id, citizen_id=accounts_app.citizen_of(actor))
    if row is None:
        raise NotFound("no such certificate request")
    return _request(session, row)


def queue(
    session: Session,
    actor: Actor,
    statuses: Sequence[CertificateStatus],
    cursor: str | None,
    limit: int,
) -> CertificateRequests:
    """Requests in the given statuses, oldest first."""
    reviewer_of(actor)
    rows = store.certificate_queue(
        session, [str(s) for s in statuses], decode_cursor(cursor), limit
    )
    return _listing(rows, limit)


def _any(session: Session, request_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = store.certificate_request(session, request_id, lock=lock)
    if row is None:
        raise NotFound("no such certificate request")
    return row


def for_review(session: Session, actor: Actor, request_id: uuid.UUID) -> CertificateRequest:
    reviewer_of(actor)
    return _request(session, _any(session, request_id))


def _move(
    session: Session,
    row: Any,
    wanted: CertificateStatus,
    by: str,
    reason: str | None,
    now: datetime,
    **values: Any,
) -> None:
    try:
        rules.check_move(CertificateStatus(row.status), wanted)
    except CertificateRuleBroken as exc:
        raise Conflict(str(exc)) from None
    store.update_certificate_request(
        session, row.request_id, {"status": str(wanted), "updated_at": now, **values}
    )
    store.add_certificate_transition(session, row.request_id, str(wanted), now, by, reason)


def take(
    session: Session, actor: Actor, request_id: uuid.UUID, now: datetime
) -> CertificateRequest:
    officer = reviewer_of(actor)
    row = _any(session, request_id, lock=True)
    _move(session, row, CertificateStatus.IN_REVIEW, officer, None, now, reviewer=officer)
    return _request(session, store.certificate_request(session, request_id))


def _sms(session: Session, citizen_id: str, body: str, category: str, now: datetime) -> None:
    citizen = accounts_app.citizen_row(session, citizen_id)
    notifications_app.enqueue(
        session,
        NotificationRequest(channel=Channel.SMS, phone=citizen.phone, body=body, category=category),
        sender=SENDER,
        now=now,
    )


def decide(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    decision: CertificateDecision,
    key: bytes,
    now: datetime,
) -> CertificateRequest:
    """Issue (the certificate gets its number and is ready for pick-up) or refuse with the
    reason; the citizen is told by SMS either way."""
    officer = reviewer_of(actor)
    row = _any(session, request_id, lock=True)
    try:
        wanted = rules.decided_status(decision.decision, decision.reason)
        if row.status == CertificateStatus.IN_REVIEW:
            rules.check_decider(row.reviewer, officer, is_supervisor(actor))
        rules.check_move(CertificateStatus(row.status), wanted)
    except CertificateRuleBroken as exc:
        raise Conflict(str(exc)) from None
    certificate_type = CertificateType(row.certificate_type)
    if decision.decision is CertificateDecisionKind.ISSUE:
        issued_on = now.astimezone(LOCAL_TIME_ZONE).date()
        serial = store.next_serial(session, str(certificate_type), issued_on.year)
        try:
            number = rules.certificate_number(key, certificate_type, issued_on.year, serial)
        except CertificateRuleBroken as exc:
            raise Conflict(str(exc)) from None
        _move(
            session, row, wanted, officer, None, now, certificate_number=number, issued_on=issued_on
        )
        body = rules.ready_message(certificate_type, row.hall_name, number)
        _sms(session, row.citizen_id, body, READY_CATEGORY, now)
    else:
        assert decision.reason is not None  # decided_status insists on one
        _move(session, row, wanted, officer, decision.reason, now)
        body = rules.refused_message(certificate_type, decision.reason)
        _sms(session, row.citizen_id, body, REFUSED_CATEGORY, now)
    return _request(session, store.certificate_request(session, request_id))


def collect(
    session: Session, actor: Actor, request_id: uuid.UUID, now: datetime
) -> CertificateRequest:
    """The citizen picked the certificate up at the hall."""
    officer = reviewer_of(actor)
    row = _any(session, request_id, lock=True)
    _move(session, row, CertificateStatus.COLLECTED, officer, None, now)
    return _request(session, store.certificate_request(session, request_id))


def revoke(
    session: Session,
    actor: Actor,
    request_id: uuid.UUID,
    revocation: CertificateRevocation,
    now: datetime,
) -> CertificateRequest:
    """An issued certificate no longer stands; verifying its number says so from now on."""
    officer = reviewer_of(actor)
    if not is_supervisor(actor):
        raise Forbidden("revoking a certificate needs the supervisor role")
    row = _any(session, request_id, lock=True)
    _move(session, row, CertificateStatus.REVOKED, officer, revocation.reason, now)
    return _request(session, store.certificate_request(session, request_id))


def verify(session: Session, key: bytes, number: str) -> CertificateVerification:
    """Whether a number is genuine and its certificate stands: the kind, the day of issue and
    valid/revoked, nothing more. A malformed or forged number is simply invalid."""
    shown = number[:MAX_CERTIFICATE_NUMBER_CHARS]
    parts = rules.genuine(key, number)
    if parts is None:
        return CertificateVerification(number=shown, valid=False)
    row = store.certificate_by_number(session, rules.canonical(number))
    if row is None or CertificateStatus(row.status) not in rules.ISSUED:
        return CertificateVerification(number=shown, valid=False)
    return CertificateVerification(
        number=row.certificate_number,
        valid=True,
        certificate_type=row.certificate_type,
        issued_on=row.issued_on,
        status=rules.public_status(CertificateStatus(row.status)),
    )
