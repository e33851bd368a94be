"""Traffic fines use cases: issuing, a citizen's lookups and bound vehicles, payments through a
hosted payment provider with receipts, appeals and officers' decisions."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from contracts.actor import Actor
from contracts.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from contracts.fines import (
    FINE_CHANGED,
    Appeal,
    AppealDecision,
    AppealDecisionRequest,
    AppealRequest,
    AppealStatus,
    BoundVehicle,
    CallbackAck,
    Fine,
    FineChanged,
    FineIssue,
    FineStatus,
    Payment,
    PaymentStatus,
    Receipt,
    SandboxCheckout,
    SandboxCompletion,
    VehicleProof,
)
from contracts.notifications import Channel, NotificationRequest
from contracts.values import Page
from contracts.vehicles import VehicleContact
from services.citizen import notifications_app
from services.citizen.domain import fines as rules
from services.citizen.domain import payments
from services.citizen.domain.payments import AmountMismatch, CallbackRefused
from services.citizen.fines_store import (
    fine_appeals,
    fine_lookup_budgets,
    fine_payments,
    fine_receipts,
    fine_vehicle_access,
    fines,
    payment_notifications,
)
from services.citizen.payment_providers import (
    SANDBOX_NOTICE,
    SANDBOX_PAY,
    PaymentProvider,
    SandboxExpired,
    SandboxPay,
)
from services.citizen.settings import Settings
from services.citizen.store import citizens

NO_UNPAID_FINES = "no unpaid fines for this plate and VIN"
NO_VEHICLE = "no vehicle with this plate and VIN"
NO_FINE = "no such fine"
NO_SANDBOX = "there is no payment sandbox here"
#: payments are keyed per citizen and fine (see domain.payments.scoped_key)
PAY_OPERATION = "citizen.pay_fine"
_PAYMENT_IDS = uuid.UUID("8d4f5c52-7a0e-4c55-9a43-0f6f5d1c2b77")


class EventStager(Protocol):
    def stage(self, session: Session, event_type: str, payload: BaseModel) -> Any: ...


def _vin_key(settings: Settings) -> bytes:
    return settings.vin_digest_key.get_secret_value().encode()


def _fine(row: Any, appeal_status: str | None = None) -> Fine:
    return Fine(
        fine_id=row.fine_id,
        plate=row.plate,
        violation=row.violation,
        violation_code=row.violation_code,
        amount_fen=row.amount_fen,
        place=row.place,
        occurred_at=row.occurred_at,
        issued_at=row.issued_at,
        status=FineStatus(row.status),
        paid_at=row.paid_at,
        cancelled_at=row.cancelled_at,
        appeal_status=AppealStatus(appeal_status) if appeal_status else None,
    )


def _stage_change(session: Session, events: EventStager, row: Any) -> None:
    events.stage(
        session,
        FINE_CHANGED,
        FineChanged(
            fine_id=row.fine_id,
            plate=row.plate,
            violation=row.violation,
            amount_fen=row.amount_fen,
            issued_at=row.issued_at,
            status=FineStatus(row.status),
            changed_at=row.changed_at,
        ),
    )


def _latest_appeal_statuses(session: Session, fine_ids: Iterable[uuid.UUID]) -> dict[Any, str]:
    ids = list(fine_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(fine_appeals.c.fine_id, fine_appeals.c.status)
        .where(fine_appeals.c.fine_id.in_(ids))
        .order_by(fine_appeals.c.submitted_at)
    ).all()
    return {r.fine_id: r.status for r in rows}


def _with_appeals(session: Session, rows: list[Any]) -> list[Fine]:
    statuses = _latest_appeal_statuses(session, (r.fine_id for r in rows))
    return [_fine(r, statuses.get(r.fine_id)) for r in rows]


# -- issuing ---------------------------------------------------------------------------------


def issue_fine(
    session: Session,
    events: EventStager,
    settings: Settings,
    actor: Actor,
    request: FineIssue,
    contact: VehicleContact,
    now: datetime,
) -> Fine:
    """A fine for a registered vehicle; of its VIN only a keyed digest of the tail is kept."""
    if not actor.scope:
        raise Forbidden("only an officer with a unit issues fines")
    try:
        rules.check_issuable(request.occurred_at, now)
    except rules.FineRuleBroken as exc:
        raise ValidationFailed(
            str(exc), errors=[{"field": "occurred_at", "problem": "future"}]
        ) from None
    digest = rules.vin_digest(_vin_key(settings), contact.vin_tail) if contact.vin_tail else None
    row = session.execute(
        pg_insert(fines)
        .values(
            fine_id=uuid.uuid4(),
            plate=request.plate,
            vin_digest=digest,
            violation=request.violation,
            violation_code=request.violation_code,
            amount_fen=request.amount_fen,
            place=request.place,
            occurred_at=request.occurred_at,
            issued_at=now,
            issued_by=actor.accountable_officer or actor.id,
            unit_path=actor.scope,
            status=str(FineStatus.UNPAID),
            changed_at=now,
        )
        .returning(*fines.c)
    ).one()
    _stage_change(session, events, row)
    return _fine(row)


# -- a citizen's vehicles and lookups --------------------------------------------------------


def spend_lookup(session: Session, settings: Settings, citizen_id: str, now: datetime) -> None:
    """Count one try of a plate's VIN against the citizen's hourly budget (429 when spent);
    call in a transaction of its own, so a wrong try stays counted."""
    session.execute(
        pg_insert(fine_lookup_budgets).values(citizen_id=citizen_id).on_conflict_do_nothing()
    )
    row = session.execute(
        select(fine_lookup_budgets)
        .where(fine_lookup_budgets.c.citizen_id == citizen_id)
        .with_for_update()
    ).one()
    budget = rules.LookupBudget(row.window_started_at, row.used)
    wait = rules.wait_before_lookup(budget, settings.fine_lookups_per_hour, now)
    if wait > 0:
        raise RateLimited(
            "too many lookups: try again later", retry_after=max(1, int(wait + 0.999))
        )
    spent = rules.after_lookup(budget, now)
    session.execute(
        update(fine_lookup_budgets)
        .where(fine_lookup_budgets.c.citizen_id == citizen_id)
        .values(window_started_at=spent.window_started_at, used=spent.used)
    )


def _grant_access(
    session: Session, citizen_id: str, plate: str, expires_at: datetime | None, now: datetime
) -> None:
    statement = pg_insert(fine_vehicle_access).values(
        citizen_id=citizen_id, plate=plate, proven_at=now, expires_at=expires_at
    )
    if expires_at is None:  # binding: kept until unbound
        statement = statement.on_conflict_do_update(
            index_elements=[fine_vehicle_access.c.citizen_id, fine_vehicle_access.c.plate],
            set_={"proven_at": now, "expires_at": None},
        )
    else:  # a lookup never shortens a binding
        statement = statement.on_conflict_do_update(
            index_elements=[fine_vehicle_access.c.citizen_id, fine_vehicle_access.c.plate],
            set_={"proven_at": now, "expires_at": expires_at},
            where=fine_vehicle_access.c.expires_at.is_not(None),
        )
    session.execute(statement)


def lookup_unpaid(
    session: Session, settings: Settings, citizen_id: str, proof: VehicleProof, now: datetime
) -> list[Fine]:
    """The plate's unpaid fines if the VIN tail is right; a wrong tail and no fines are the
    same 404. A right one lets the citizen pay or contest them for a day."""
    key = _vin_key(settings)
    rows = session.execute(
        select(fines)
        .where(fines.c.plate == proof.plate, fines.c.status == str(FineStatus.UNPAID))
        .order_by(fines.c.issued_at.desc(), fines.c.fine_id)
    ).all()
    # a plate that changed vehicles keeps its earlier vehicle's fines from the new holder
    proven = [r for r in rows if rules.factor_matches(key, proof.vin_tail, r.vin_digest)]
    if not proven:
        raise NotFound(NO_UNPAID_FINES)
    _grant_access(session, citizen_id, proof.plate, rules.access_expires(now), now)
    return _with_appeals(session, proven)


def bind_vehicle(
    session: Session,
    citizen_id: str,
    proof: VehicleProof,
    contact: VehicleContact | None,
    now: datetime,
) -> BoundVehicle:
    registered_tail = (contact.vin_tail or "").upper() if contact else ""
    if not hmac.compare_digest(registered_tail.encode(), proof.vin_tail.encode()):
        raise NotFound(NO_VEHICLE)
    bound = session.execute(
        select(func.count())
        .select_from(fine_vehicle_access)
        .where(
            fine_vehicle_access.c.citizen_id == citizen_id,
            fine_vehicle_access.c.expires_at.is_(None),
            fine_vehicle_access.c.plate != proof.plate,
        )
    ).scalar_one()
    if bound >= rules.MAX_BOUND_VEHICLES:
        raise Conflict(f"at most {rules.MAX_BOUND_VEHICLES} vehicles may be bound")
    _grant_access(session, citizen_id, proof.plate, None, now)
    return BoundVehicle(plate=proof.plate, bound_at=now)


def my_vehicles(session: Session, citizen_id: str) -> list[BoundVehicle]:
    rows = session.execute(
        select(fine_vehicle_access)
        .where(
            fine_vehicle_access.c.citizen_id == citizen_id,
            fine_vehicle_access.c.expires_at.is_(None),
        )
        .order_by(fine_vehicle_access.c.plate)
    ).all()
    return [BoundVehicle(plate=r.plate, bound_at=r.proven_at) for r in rows]


def unbind_vehicle(session: Session, citizen_id: str, plate: str) -> None:
    removed = session.execute(
        delete(fine_vehicle_access)
        .where(
            fine_vehicle_access.c.citizen_id == citizen_id,
            fine_vehicle_access.c.plate == plate,
            fine_vehicle_access.c.expires_at.is_(None),
        )
        .returning(fine_vehicle_access.c.plate)
    ).first()
    if removed is None:
        raise NotFound("no such bound vehicle")


def _accessible_plates(citizen_id: str, now: datetime) -> Any:
    return select(fine_vehicle_access.c.plate).where(
        fine_vehicle_access.c.citizen_id == citizen_id,
        or_(fine_vehicle_access.c.expires_at.is_(None), fine_vehicle_access.c.expires_at > now),
    )


def _visible_fine(
    session: Session, citizen_id: str, fine_id: uuid.UUID, now: datetime, *, lock: bool = False
) -> Any:
    """The fine if it is of a plate the citizen proved; anyone else's is simply not there."""
    query = select(fines).where(
        fines.c.fine_id == fine_id, fines.c.plate.in_(_accessible_plates(citizen_id, now))
    )
    if lock:
        query = query.with_for_update(of=fines)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(NO_FINE)
    return row


def _cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        at, key = raw.split("|", 1)
        return datetime.fromisoformat(at), uuid.UUID(key)
    except ValueError:
        raise ValidationFailed("invalid cursor") from None


def my_fines(
    session: Session,
    citizen_id: str,
    status: FineStatus | None,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> Page[Fine]:
    """Fines of the citizen's bound (and recently looked-up) vehicles, newest first."""
    query = select(fines).where(fines.c.plate.in_(_accessible_plates(citizen_id, now)))
    if status is not None:
        query = query.where(fines.c.status == str(status))
    after = _cursor(cursor)
    if after is not None:
        at, fine_id = after
        query = query.where(
            or_(fines.c.issued_at < at, and_(fines.c.issued_at == at, fines.c.fine_id > fine_id))
        )
    rows = session.execute(
        query.order_by(fines.c.issued_at.desc(), fines.c.fine_id).limit(limit)
    ).all()
    next_cursor = (
        f"{rows[-1].issued_at.isoformat()}|{rows[-1].fine_id}" if len(rows) == limit else None
    )
    return Page[Fine](items=_with_appeals(session, list(rows)), next_cursor=next_cursor)


def get_fine(session: Session, citizen_id: str, fine_id: uuid.UUID, now: datetime) -> Fine:
    row = _visible_fine(session, citizen_id, fine_id, now)
    return _with_appeals(session, [row])[0]


# -- payments --------------------------------------------------------------------------------


def provider_for(session: Session, settings: Settings, now: datetime) -> PaymentProvider:
    if settings.payment_provider == SANDBOX_PAY:
        return _sandbox(session, settings, now)
    raise ServiceUnavailable("online payment is not available here: pay at a service counter")


def _sandbox(session: Session, settings: Settings, now: datetime) -> SandboxPay:
    if settings.payment_provider != SANDBOX_PAY:
        raise NotFound(NO_SANDBOX)
    return SandboxPay(
        session,
        settings.sandbox_pay_secret.get_secret_value().encode(),
        settings.sandbox_pay_page_url,
        now,
    )


def _payment(row: Any) -> Payment:
    return Payment.model_validate(row, from_attributes=True)


def _has_open_appeal(session: Session, fine_id: uuid.UUID) -> bool:
    return (
        session.execute(
            select(fine_appeals.c.appeal_id).where(
                fine_appeals.c.fine_id == fine_id,
                fine_appeals.c.status == str(AppealStatus.SUBMITTED),
            )
        ).first()
        is not None
    )


def _pending_payment(session: Session, fine_id: uuid.UUID, now: datetime) -> Any:
    """The fine's payment still waiting for its customer; one whose page expired is marked so
    and no longer counts."""
    row = session.execute(
        select(fine_payments)
        .where(
            fine_payments.c.fine_id == fine_id,
            fine_payments.c.status == str(PaymentStatus.PENDING),
        )
        .with_for_update()
    ).first()
    if row is None:
        return None
    if payments.is_expired(PaymentStatus(row.status), row.expires_at, now):
        session.execute(
            update(fine_payments)
            .where(fine_payments.c.payment_id == row.payment_id)
            .values(status=str(PaymentStatus.EXPIRED))
        )
        return None
    return row


def start_payment(
    session: Session,
    settings: Settings,
    citizen_id: str,
    fine_id: uuid.UUID,
    scoped_key: str,
    now: datetime,
) -> Payment:
    """Open a payment at the provider, or give back the one already waiting: a double click
    with a fresh key pays once too. Another citizen's waiting payment is a 409 until it
    expires."""
    fine = _visible_fine(session, citizen_id, fine_id, now, lock=True)
    try:
        rules.check_payable(FineStatus(fine.status), _has_open_appeal(session, fine_id))
    except rules.FineRuleBroken as exc:
        raise Conflict(str(exc)) from None
    pending = _pending_payment(session, fine_id, now)
    if pending is not None:
        if pending.citizen_id != citizen_id:
            raise Conflict("someone else is paying this fine right now: try again later")
        return _payment(pending)
    provider = provider_for(session, settings, now)
    # derived from the key, so that a retry after a lost commit asks the provider for the
    # same payment under the same reference
    payment_id = uuid.uuid5(_PAYMENT_IDS, scoped_key)
    return_url = f"{settings.payment_return_url}?payment_id={payment_id}"
    expires_at = now + timedelta(seconds=settings.payment_ttl_s)
    opened = provider.create_payment(
        amount_fen=fine.amount_fen,
        reference=str(payment_id),
        return_url=return_url,
        idempotency_key=payments.provider_key(scoped_key),
        expires_at=expires_at,
    )
    row = session.execute(
        pg_insert(fine_payments)
        .values(
            payment_id=payment_id,
            fine_id=fine_id,
            citizen_id=citizen_id,
            amount_fen=fine.amount_fen,
            status=str(PaymentStatus.PENDING),
            provider=provider.name,
            provider_payment_id=opened.provider_payment_id,
            redirect_url=opened.redirect_url,
            return_url=return_url,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(*fine_payments.c)
    ).one()
    return _payment(row)


def _own_payment(session: Session, citizen_id: str, *conditions: Any) -> Any:
    row = session.execute(
        select(fine_payments).where(fine_payments.c.citizen_id == citizen_id, *conditions)
    ).first()
    if row is None:
        raise NotFound("no such payment")
    return row


def payment(session: Session, citizen_id: str, payment_id: uuid.UUID) -> Payment:
    return _payment(_own_payment(session, citizen_id, fine_payments.c.payment_id == payment_id))


def payment_by_provider_id(session: Session, citizen_id: str, provider_payment_id: str) -> Payment:
    return _payment(
        _own_payment(
            session, citizen_id, fine_payments.c.provider_payment_id == provider_payment_id
        )
    )


def apply_notification(
    session: Session,
    events: EventStager,
    settings: Settings,
    provider_name: str,
    raw_body: bytes,
    signature: str | None,
    now: datetime,
) -> CallbackAck:
    """A provider's signed notification: verified, then applied once (a repeat changes
    nothing). A success marks the fine paid and issues its receipt."""
    if provider_name != settings.payment_provider:
        raise NotFound("no such payment provider here")
    provider = provider_for(session, settings, now)
    try:
        callback = provider.verify_callback(raw_body, signature)
    except CallbackRefused as exc:
        raise Unauthenticated(str(exc)) from None
    first = session.execute(
        pg_insert(payment_notifications)
        .values(
            provider=provider_name,
            event_id=callback.event_id,
            provider_payment_id=callback.provider_payment_id,
            received_at=now,
        )
        .on_conflict_do_nothing()
        .returning(payment_notifications.c.event_id)
    ).first()
    found = session.execute(
        select(fine_payments.c.payment_id, fine_payments.c.fine_id).where(
            fine_payments.c.provider == provider_name,
            fine_payments.c.provider_payment_id == callback.provider_payment_id,
        )
    ).first()
    if found is None:
        raise NotFound("no such payment")
    # the fine first, then its payment: the order start_payment locks them in
    fine = session.execute(
        select(fines).where(fines.c.fine_id == found.fine_id).with_for_update()
    ).one()
    paid = session.execute(
        select(fine_payments)
        .where(fine_payments.c.payment_id == found.payment_id)
        .with_for_update()
    ).one()
    if first is None:
        return CallbackAck(
            event_id=callback.event_id, applied=False, payment_status=PaymentStatus(paid.status)
        )
    try:
        settlement = payments.settle(
            PaymentStatus(paid.status), paid.amount_fen, FineStatus(fine.status), callback
        )
    except AmountMismatch as exc:
        raise ValidationFailed(str(exc)) from None
    if settlement is None:
        return CallbackAck(
            event_id=callback.event_id, applied=False, payment_status=PaymentStatus(paid.status)
        )
    session.execute(
        update(fine_payments)
        .where(fine_payments.c.payment_id == paid.payment_id)
        .values(status=str(settlement.payment_status), completed_at=now)
    )
    if settlement.fine_paid:
        changed = session.execute(
            update(fines)
            .where(fines.c.fine_id == fine.fine_id)
            .values(status=str(FineStatus.PAID), paid_at=now, changed_at=now)
            .returning(*fines.c)
        ).one()
        session.execute(
            pg_insert(fine_receipts).values(
                receipt_no=payments.receipt_number(now),
                fine_id=fine.fine_id,
                payment_id=paid.payment_id,
                amount_fen=paid.amount_fen,
                paid_at=now,
            )
        )
        _stage_change(session, events, changed)
    return CallbackAck(
        event_id=callback.event_id, applied=True, payment_status=settlement.payment_status
    )


def receipt(session: Session, citizen_id: str, fine_id: uuid.UUID, now: datetime) -> Receipt:
    fine = _visible_fine(session, citizen_id, fine_id, now)
    row = session.execute(select(fine_receipts).where(fine_receipts.c.fine_id == fine_id)).first()
    if row is None:
        raise NotFound("this fine has no receipt: it is not paid")
    return Receipt(
        receipt_no=row.receipt_no,
        fine_id=fine_id,
        payment_id=row.payment_id,
        plate=fine.plate,
        violation=fine.violation,
        amount_fen=row.amount_fen,
        paid_at=row.paid_at,
    )


# -- the sandbox's hosted page ----------------------------------------------------------------


def sandbox_checkout(
    session: Session,
    settings: Settings,
    citizen_id: str,
    provider_payment_id: str,
    now: datetime,
) -> SandboxCheckout:
    sandbox = _sandbox(session, settings, now)
    _own_payment(session, citizen_id, fine_payments.c.provider_payment_id == provider_payment_id)
    charge = sandbox.charge(provider_payment_id)
    return SandboxCheckout(
        notice=SANDBOX_NOTICE,
        provider_payment_id=charge.provider_payment_id,
        reference=charge.reference,
        amount_fen=charge.amount_fen,
        status=charge.status,
        return_url=charge.return_url,
        expires_at=charge.expires_at,
    )


def sandbox_complete(
    session: Session,
    settings: Settings,
    citizen_id: str,
    provider_payment_id: str,
    completion: SandboxCompletion,
    now: datetime,
) -> tuple[bytes, str]:
    """The citizen pays on SandboxPay's page: the signed notification SandboxPay would send."""
    sandbox = _sandbox(session, settings, now)
    _own_payment(session, citizen_id, fine_payments.c.provider_payment_id == provider_payment_id)
    try:
        return sandbox.complete(provider_payment_id, paid=completion.outcome == "paid")
    except SandboxExpired as exc:
        raise Conflict(str(exc)) from None


# -- appeals ---------------------------------------------------------------------------------


def _appeal(row: Any, plate: str, *, for_officer: bool) -> Appeal:
    return Appeal(
        appeal_id=row.appeal_id,
        fine_id=row.fine_id,
        plate=plate,
        status=AppealStatus(row.status),
        reason=row.reason,
        submitted_at=row.submitted_at,
        decision=AppealDecision(row.decision) if row.decision else None,
        decision_reason=row.decision_reason,
        decided_at=row.decided_at,
        decided_by=row.decided_by if for_officer else None,
    )


def submit_appeal(
    session: Session,
    citizen_id: str,
    fine_id: uuid.UUID,
    request: AppealRequest,
    now: datetime,
) -> Appeal:
    fine = _visible_fine(session, citizen_id, fine_id, now, lock=True)
    try:
        rules.check_appealable(
            FineStatus(fine.status),
            _has_open_appeal(session, fine_id),
            _pending_payment(session, fine_id, now) is not None,
        )
    except rules.FineRuleBroken as exc:
        raise Conflict(str(exc)) from None
    row = session.execute(
        pg_insert(fine_appeals)
        .values(
            appeal_id=uuid.uuid4(),
            fine_id=fine_id,
            citizen_id=citizen_id,
            reason=request.reason,
            status=str(AppealStatus.SUBMITTED),
            submitted_at=now,
        )
        .returning(*fine_appeals.c)
    ).one()
    return _appeal(row, fine.plate, for_officer=False)


def fine_appeal(session: Session, citizen_id: str, fine_id: uuid.UUID, now: datetime) -> Appeal:
    """The fine's latest appeal with its status and, once decided, the reasoned decision."""
    fine = _visible_fine(session, citizen_id, fine_id, now)
    row = session.execute(
        select(fine_appeals)
        .where(fine_appeals.c.fine_id == fine_id)
        .order_by(fine_appeals.c.submitted_at.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("this fine has not been contested")
    return _appeal(row, fine.plate, for_officer=False)


def _in_scope(scope: str) -> Any:
    return or_(fines.c.unit_path == scope, fines.c.unit_path.startswith(scope + "/"))


def open_appeals(session: Session, actor: Actor, limit: int, cursor: str | None) -> Page[Appeal]:
    """Appeals waiting for a decision on fines of the officer's units, oldest first."""
    if not actor.scope:
        return Page[Appeal](items=[])
    query = (
        select(fine_appeals, fines.c.plate)
        .join(fines, fines.c.fine_id == fine_appeals.c.fine_id)
        .where(fine_appeals.c.status == str(AppealStatus.SUBMITTED), _in_scope(actor.scope))
    )
    after = _cursor(cursor)
    if after is not None:
        at, appeal_id = after
        query = query.where(
            or_(
                fine_appeals.c.submitted_at > at,
                and_(fine_appeals.c.submitted_at == at, fine_appeals.c.appeal_id > appeal_id),
            )
        )
    rows = session.execute(
        query.order_by(fine_appeals.c.submitted_at, fine_appeals.c.appeal_id).limit(limit)
    ).all()
    next_cursor = (
        f"{rows[-1].submitted_at.isoformat()}|{rows[-1].appeal_id}" if len(rows) == limit else None
    )
    return Page[Appeal](
        items=[_appeal(r, r.plate, for_officer=True) for r in rows], next_cursor=next_cursor
    )


def decide_appeal(
    session: Session,
    events: EventStager,
    actor: Actor,
    appeal_id: uuid.UUID,
    request: AppealDecisionRequest,
    now: datetime,
) -> Appeal:
    """An officer's reasoned decision: the fine stands, or it is cancelled (and the dossier
    hears of it). The citizen is told by SMS."""
    if not actor.scope:
        raise NotFound("no such appeal")
    found = session.execute(
        select(fine_appeals.c.fine_id)
        .join(fines, fines.c.fine_id == fine_appeals.c.fine_id)
        .where(fine_appeals.c.appeal_id == appeal_id, _in_scope(actor.scope))
    ).first()
    if found is None:
        raise NotFound("no such appeal")
    fine = session.execute(
        select(fines).where(fines.c.fine_id == found.fine_id).with_for_update()
    ).one()
    appeal = session.execute(
        select(fine_appeals).where(fine_appeals.c.appeal_id == appeal_id).with_for_update()
    ).one()
    decider = actor.accountable_officer or actor.id
    try:
        rules.check_decidable(AppealStatus(appeal.status), decider, fine.issued_by)
    except rules.OwnFineAppeal as exc:
        raise Forbidden(str(exc)) from None
    except rules.FineRuleBroken as exc:
        raise Conflict(str(exc)) from None
    decided = session.execute(
        update(fine_appeals)
        .where(fine_appeals.c.appeal_id == appeal_id)
        .values(
            status=str(AppealStatus.DECIDED),
            decision=str(request.decision),
            decision_reason=request.reason,
            decided_by=decider,
            decided_at=now,
        )
        .returning(*fine_appeals.c)
    ).one()
    if rules.fine_status_after(request.decision) is FineStatus.CANCELLED:
        changed = session.execute(
            update(fines)
            .where(fines.c.fine_id == fine.fine_id)
            .values(status=str(FineStatus.CANCELLED), cancelled_at=now, changed_at=now)
            .returning(*fines.c)
        ).one()
        _stage_change(session, events, changed)
    _tell_citizen(session, decided.citizen_id, fine.plate, request.decision, now)
    return _appeal(decided, fine.plate, for_officer=True)


def _tell_citizen(
    session: Session, citizen_id: str, plate: str, decision: AppealDecision, now: datetime
) -> None:
    phone = session.execute(
        select(citizens.c.phone).where(citizens.c.citizen_id == citizen_id)
    ).scalar()
    if phone is None:
        return
    outcome = "罚单已撤销" if decision is AppealDecision.CANCELLED else "维持原处罚"
    notifications_app.enqueue(
        session,
        NotificationRequest(
            channel=Channel.SMS,
            phone=phone,
            body=f"您对车辆{plate}罚单的申诉已有决定：{outcome}。详情请在智服惠民查看。",
            category="fine_appeal_decided",
        ),
        sender="citizen",
        now=now,
    )
