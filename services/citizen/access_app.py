"""Move my car, real-name verification, "who looked at my data" and corrections."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.secrets import Passwords
from contracts.citizen_access import (
    Correction,
    CorrectionCreate,
    CorrectionDecision,
    CorrectionField,
    CorrectionRecord,
    CorrectionStatus,
    MoveRequest,
    MoveRequestCreate,
    MoveStatus,
    OwnerReply,
)
from contracts.errors import Conflict, NotFound, RateLimited, ValidationFailed
from contracts.notifications import Channel, NotificationRequest
from contracts.values import Page
from services.citizen import notifications_app
from services.citizen.access_store import corrections, move_requests
from services.citizen.domain import move_my_car
from services.citizen.settings import Settings
from services.citizen.store import citizens

# -- move my car -------------------------------------------------------------------------------


def move_limits(settings: Settings) -> move_my_car.MoveLimits:
    return move_my_car.MoveLimits(
        per_requester_per_hour=settings.move_requests_per_requester_per_hour,
        per_plate_per_hour=settings.move_requests_per_plate_per_hour,
    )


def _recent(session: Session, column: Any, value: str, now: datetime) -> list[datetime]:
    return list(
        session.execute(
            select(move_requests.c.created_at).where(
                column == value, move_requests.c.created_at > now - move_my_car.WINDOW
            )
        ).scalars()
    )


def open_move_request(
    session: Session,
    settings: Settings,
    citizen_id: str,
    request: MoveRequestCreate,
    now: datetime,
) -> uuid.UUID:
    """Record the request, unless the requester or the plate had their share this hour (429
    with the wait). Requests are counted whatever becomes of them: that is what stops abuse."""
    if move_my_car.has_phone_number(request.place):
        raise ValidationFailed(
            "phone numbers are never passed on: leave them out of the place",
            errors=[{"field": "place", "problem": "phone_number"}],
        )
    limits = move_limits(settings)
    # one requester's (and one plate's) requests are counted one at a time
    for key in (f"move:requester:{citizen_id}", f"move:plate:{request.plate}"):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    waits = (
        move_my_car.wait_for(
            _recent(session, move_requests.c.requester_id, citizen_id, now),
            limits.per_requester_per_hour,
            now,
        ),
        move_my_car.wait_for(
            _recent(session, move_requests.c.plate, request.plate, now),
            limits.per_plate_per_hour,
            now,
        ),
    )
    if max(waits) > 0:
        raise RateLimited(
            "too many move-my-car requests: try again later", retry_after=int(max(waits)) + 1
        )
    request_id = uuid.uuid4()
    session.execute(
        move_requests.insert().values(
            request_id=request_id,
            requester_id=citizen_id,
            plate=request.plate,
            lat=request.location.lat,
            lon=request.location.lon,
            place=request.place,
            photo_ref=request.photo_ref,
            status=str(MoveStatus.OWNER_UNREACHABLE),
            created_at=now,
        )
    )
    return request_id


def notify_owner(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    request_id: uuid.UUID,
    owner_phone: str | None,
    now: datetime,
) -> None:
    """An SMS with a reply link and a call to the owner, through the notification provider;
    the owner's number goes nowhere else."""
    row = session.execute(
        select(move_requests).where(move_requests.c.request_id == request_id)
    ).one()
    if owner_phone is None:
        return  # stays owner_unreachable
    secret = secrets.token_urlsafe(24)
    reply_url = f"{settings.move_reply_url}?token={request_id.hex}.{secret}"
    for channel, body in (
        (Channel.SMS, move_my_car.owner_sms(row.plate, row.place, reply_url)),
        (Channel.VOICE, move_my_car.owner_call_script(row.plate, row.place)),
    ):
        notifications_app.enqueue(
            session,
            NotificationRequest(
                channel=channel, phone=owner_phone, body=body, category="move_my_car"
            ),
            sender="citizen",
            now=now,
        )
    session.execute(
        update(move_requests)
        .where(move_requests.c.request_id == request_id)
        .values(
            status=str(MoveStatus.NOTIFIED),
            notified_at=now,
            reply_secret_hash=passwords.hash_off_hub(secret),
        )
    )


def _move_request(row: Any) -> MoveRequest:
    return MoveRequest(
        request_id=row.request_id,
        plate=row.plate,
        place=row.place,
        status=MoveStatus(row.status),
        owner_response=row.owner_response,
        created_at=row.created_at,
        notified_at=row.notified_at,
        responded_at=row.responded_at,
        closed_at=row.closed_at,
    )


def my_move_request(session: Session, citizen_id: str, request_id: uuid.UUID) -> MoveRequest:
    row = session.execute(
        select(move_requests).where(
            move_requests.c.request_id == request_id, move_requests.c.requester_id == citizen_id
        )
    ).first()
    if row is None:
        raise NotFound("no such move-my-car request")  # another citizen's is not theirs to see
    return _move_request(row)


def my_move_requests(
    session: Session, citizen_id: str, limit: int, cursor: str | None
) -> Page[MoveRequest]:
    t = move_requests
    query = select(t).where(t.c.requester_id == citizen_id)
    if cursor is not None:
        at, _, request_id = cursor.partition("|")
        try:
            query = query.where(
                tuple_(t.c.created_at, t.c.request_id)
                < tuple_(datetime.fromisoformat(at), uuid.UUID(request_id))
            )
        except ValueError:
            raise ValidationFailed("not a cursor of this list") from None
    rows = session.execute(
        query.order_by(t.c.created_at.desc(), t.c.request_id.desc()).limit(limit + 1)
    ).all()
    items = [_move_request(r) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = f"{last.created_at.isoformat()}|{last.request_id}" if last else None
    return Page[MoveRequest](items=items, next_cursor=next_cursor)


def close_move_request(
    session: Session, citizen_id: str, request_id: uuid.UUID, status: MoveStatus, now: datetime
) -> MoveRequest:
    current = my_move_request(session, citizen_id, request_id)
    if current.closed_at is not None:
        raise Conflict(f"the request is already {current.status}")
    session.execute(
        update(move_requests)
        .where(move_requests.c.request_id == request_id)
        .values(status=str(status), closed_at=now)
    )
    return my_move_request(session, citizen_id, request_id)


def owner_replies(
    session: Session, passwords: Passwords, reply: OwnerReply, now: datetime
) -> MoveRequest:
    """The owner's answer relayed to the requester's request; the token proves it is theirs.
    A wrong token is NotFound, like an unknown request."""
    request_hex, _, secret = reply.token.partition(".")
    try:
        request_id = uuid.UUID(hex=request_hex)
    except ValueError:
        raise NotFound("no such request or a wrong token") from None
    row = session.execute(
        select(move_requests).where(move_requests.c.request_id == request_id).with_for_update()
    ).first()
    stored = row.reply_secret_hash if row is not None else None
    if not passwords.verify_off_hub(stored, secret) or row is None:
        raise NotFound("no such request or a wrong token")
    if row.closed_at is not None:
        raise Conflict("the request is closed")
    session.execute(
        update(move_requests)
        .where(move_requests.c.request_id == request_id)
        .values(
            status=str(MoveStatus.OWNER_RESPONDED),
            owner_response=str(reply.response),
            responded_at=now,
        )
    )
    updated = session.execute(
        select(move_requests).where(move_requests.c.request_id == request_id)
    ).one()
    return _move_request(updated)


# -- identity ----------------------------------------------------------------------------------


def link_person(session: Session, citizen_id: str, person_id: str, name_masked: str) -> None:
    try:
        with session.begin_nested():
            session.execute(
                update(citizens)
                .where(citizens.c.citizen_id == citizen_id)
                .values(person_id=person_id, name_masked=name_masked)
            )
    except IntegrityError:
        raise Conflict("this person is linked to another account") from None


def verified_person(session: Session, citizen_id: str) -> str:
    person_id = session.execute(
        select(citizens.c.person_id).where(citizens.c.citizen_id == citizen_id)
    ).scalar()
    if person_id is None:
        raise Conflict("verify your identity first (POST /api/v1/citizen/me/identity)")
    return str(person_id)


# -- corrections -------------------------------------------------------------------------------

VEHICLE_FIELDS = frozenset(
    {CorrectionField.VEHICLE_TYPE, CorrectionField.VEHICLE_COLOUR, CorrectionField.VEHICLE_OWNER}
)


def ask_correction(
    session: Session, citizen_id: str, request: CorrectionCreate, now: datetime
) -> Correction:
    verified_person(session, citizen_id)  # only one's own, verified record
    is_vehicle = request.record is CorrectionRecord.VEHICLE
    if is_vehicle != (request.field in VEHICLE_FIELDS) or is_vehicle != (request.plate is not None):
        raise ValidationFailed(
            "a vehicle record's correction names its plate and a vehicle field; a person "
            "record's names a person field and no plate"
        )
    correction_id = uuid.uuid4()
    session.execute(
        corrections.insert().values(
            correction_id=correction_id,
            citizen_id=citizen_id,
            record=str(request.record),
            plate=request.plate,
            field=str(request.field),
            requested_value=request.requested_value,
            reason=request.reason,
            status=str(CorrectionStatus.SUBMITTED),
            created_at=now,
        )
    )
    return _correction_by_id(session, correction_id)


def _correction(row: Any) -> Correction:
    return Correction(
        correction_id=row.correction_id,
        record=row.record,
        plate=row.plate,
        field=row.field,
        requested_value=row.requested_value,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _correction_by_id(session: Session, correction_id: uuid.UUID) -> Correction:
    row = session.execute(
        select(corrections).where(corrections.c.correction_id == correction_id)
    ).first()
    if row is None:
        raise NotFound("no such correction request")
    return _correction(row)


def my_corrections(session: Session, citizen_id: str, limit: int) -> list[Correction]:
    rows = session.execute(
        select(corrections)
        .where(corrections.c.citizen_id == citizen_id)
        .order_by(corrections.c.created_at.desc())
        .limit(limit)
    ).all()
    return [_correction(r) for r in rows]


def open_corrections(session: Session, limit: int) -> list[Correction]:
    """The review queue, oldest first."""
    rows = session.execute(
        select(corrections)
        .where(corrections.c.status == str(CorrectionStatus.SUBMITTED))
        .order_by(corrections.c.created_at)
        .limit(limit)
    ).all()
    return [_correction(r) for r in rows]


def decide_correction(
    session: Session,
    officer_id: str,
    correction_id: uuid.UUID,
    decision: CorrectionDecision,
    now: datetime,
) -> Correction:
    if decision.decision is CorrectionStatus.SUBMITTED:
        raise ValidationFailed("a decision accepts or rejects")
    row = session.execute(
        select(corrections).where(corrections.c.correction_id == correction_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound("no such correction request")
    if row.status != str(CorrectionStatus.SUBMITTED):
        raise Conflict(f"the correction was already {row.status}")
    session.execute(
        update(corrections)
        .where(corrections.c.correction_id == correction_id)
        .values(
            status=str(decision.decision),
            decided_at=now,
            decided_by=officer_id,
            decision_reason=decision.reason,
        )
    )
    phone = session.execute(
        select(citizens.c.phone).where(citizens.c.citizen_id == row.citizen_id)
    ).scalar_one()
    verdict = "已采纳" if decision.decision is CorrectionStatus.ACCEPTED else "未采纳"
    notifications_app.enqueue(
        session,
        NotificationRequest(
            channel=Channel.SMS,
            phone=phone,
            body=f"【平安深圳】您提交的信息更正申请{verdict}，详情请在警民通查看。",
            category="correction_decision",
        ),
        sender="citizen",
        now=now,
    )
    return _correction_by_id(session, correction_id)


def data_access_window(
    since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """A report's window: the last year unless said (the ledger keeps at least a year)."""
    end = until or now
    start = since or end - timedelta(days=365)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("since and until must carry a time zone offset")
    if end <= start or end - start > timedelta(days=3 * 366):
        raise ValidationFailed("the window must end after it starts and span at most 3 years")
    return start, end
