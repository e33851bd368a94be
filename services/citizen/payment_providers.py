"""Payment providers: the interface a hosted payment service is used through, and SandboxPay,
the sandbox provider for local runs and tests (sandbox: no money moves).

The flow is a hosted payment page's: `create_payment` opens a payment at the provider and
returns the page to send the citizen to; the citizen pays there; the provider then notifies
this service with a signed callback (`verify_callback` checks it) and sends the citizen back to
the return URL. A provider's `idempotency_key` makes a retried creation find the payment it
opened before instead of opening a second one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.citizen.domain.payments import (
    CallbackOutcome,
    CallbackRefused,
    ProviderCallback,
    signature,
    signature_matches,
)
from services.citizen.fines_store import sandbox_charges

SANDBOX_PAY = "sandbox-pay"
SANDBOX_NOTICE = "sandbox: no money moves"
#: the header SandboxPay signs its notifications in
SANDBOX_SIGNATURE_HEADER = "X-SandboxPay-Signature"


@dataclass(frozen=True)
class ProviderPayment:
    provider_payment_id: str
    #: the provider's hosted payment page
    redirect_url: str


class PaymentProvider(Protocol):
    name: str

    def create_payment(
        self,
        amount_fen: int,
        reference: str,
        return_url: str,
        idempotency_key: str,
        expires_at: datetime,
    ) -> ProviderPayment: ...

    def verify_callback(self, raw_body: bytes, signature: str | None) -> ProviderCallback:
        """The notification's content, or CallbackRefused if it is not the provider's."""
        ...


class SandboxExpired(ValueError):
    """The sandbox's hosted page no longer takes this payment."""


class _SandboxNotificationData(BaseModel):
    payment_id: str
    reference: str
    amount_fen: int


class _SandboxNotification(BaseModel):
    """SandboxPay's notification body, shaped like a real provider's webhook."""

    id: str
    type: Literal["payment.succeeded", "payment.failed"]
    created: datetime
    data: _SandboxNotificationData


class SandboxPay:
    """sandbox: no money moves. Records each charge it would make in `sandbox_charges` (in the
    caller's transaction), and plays the customer on its hosted page (`complete`)."""

    name = SANDBOX_PAY

    def __init__(self, session: Session, secret: bytes, page_url: str, now: datetime) -> None:
        self._session = session
        self._secret = secret
        self._page_url = page_url.rstrip("/")
        self._now = now

    def create_payment(
        self,
        amount_fen: int,
        reference: str,
        return_url: str,
        idempotency_key: str,
        expires_at: datetime,
    ) -> ProviderPayment:
        self._session.execute(
            pg_insert(sandbox_charges)
            .values(
                provider_payment_id=f"sp_{secrets.token_hex(12)}",
                idempotency_key=idempotency_key,
                reference=reference,
                amount_fen=amount_fen,
                return_url=return_url,
                status="created",
                created_at=self._now,
                expires_at=expires_at,
            )
            .on_conflict_do_nothing(index_elements=[sandbox_charges.c.idempotency_key])
        )
        provider_payment_id = self._session.execute(
            select(sandbox_charges.c.provider_payment_id).where(
                sandbox_charges.c.idempotency_key == idempotency_key
            )
        ).scalar_one()
        return ProviderPayment(provider_payment_id, f"{self._page_url}/{provider_payment_id}")

    def verify_callback(self, raw_body: bytes, signature: str | None) -> ProviderCallback:
        if not signature_matches(self._secret, raw_body, signature):
            raise CallbackRefused("the notification's signature is not SandboxPay's")
        try:
            notification = _SandboxNotification.model_validate_json(raw_body)
        except ValidationError:
            raise CallbackRefused("the notification is not readable") from None
        outcome = (
            CallbackOutcome.SUCCEEDED
            if notification.type == "payment.succeeded"
            else CallbackOutcome.FAILED
        )
        return ProviderCallback(
            event_id=notification.id,
            provider_payment_id=notification.data.payment_id,
            outcome=outcome,
            amount_fen=notification.data.amount_fen,
            occurred_at=notification.created,
        )

    # -- the hosted page (sandbox only) --------------------------------------------------

    def charge(self, provider_payment_id: str) -> Any:
        return self._session.execute(
            select(sandbox_charges).where(
                sandbox_charges.c.provider_payment_id == provider_payment_id
            )
        ).one()

    def complete(self, provider_payment_id: str, paid: bool) -> tuple[bytes, str]:
        """The customer pays (or is declined) on the hosted page: the charge happens once and
        its signed notification is returned for delivery; completing again returns the same
        notification, byte for byte, and charges nothing more."""
        row = self._session.execute(
            select(sandbox_charges)
            .where(sandbox_charges.c.provider_payment_id == provider_payment_id)
            .with_for_update()
        ).one()
        if row.notification_body is not None:
            body = row.notification_body.encode()
            return body, signature(self._secret, body)
        if self._now >= row.expires_at:
            raise SandboxExpired("this payment page has expired: start a new payment")
        body = orjson.dumps(
            {
                "id": f"evt_{secrets.token_hex(12)}",
                "type": "payment.succeeded" if paid else "payment.failed",
                "created": self._now.isoformat(),
                "data": {
                    "payment_id": provider_payment_id,
                    "reference": row.reference,
                    "amount_fen": row.amount_fen,
                },
            }
        )
        self._session.execute(
            update(sandbox_charges)
            .where(sandbox_charges.c.provider_payment_id == provider_payment_id)
            .values(
                status="charged" if paid else "declined",
                completed_at=self._now,
                notification_body=body.decode(),
            )
        )
        return body, signature(self._secret, body)
