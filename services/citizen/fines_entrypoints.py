"""Entrypoints of the citizen service: traffic fines,
payments and receipts, appeals against fines.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`, use cases
in `fines_app.py`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.validation import parse
from contracts.actor import Purpose
from contracts.errors import NotFound, ValidationFailed
from contracts.fines import (
    AppealDecisionRequest,
    AppealRequest,
    FineIssue,
    FineStatus,
    SandboxCompletion,
    VehicleProof,
)
from contracts.values import PageRequest, normalise_plate
from contracts.vehicles import VehicleContact
from services.citizen import fines_app
from services.citizen.accounts_app import citizen_of
from services.citizen.domain import payments
from services.citizen.other_services import OtherServices

#: a provider's notification is small; anything longer is not one
MAX_NOTIFICATION_BYTES = 16_384


def now() -> datetime:
    return datetime.now(UTC)


def _uuid(value: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed(f"not a {what} id") from None


def _plate(value: Any) -> str:
    try:
        return normalise_plate(str(value))
    except ValueError as exc:
        raise ValidationFailed(
            str(exc), errors=[{"field": "plate", "problem": "invalid"}]
        ) from None


class FinesEntrypoints(OtherServices):
    def _contact(self, plate: str, purpose: Purpose) -> VehicleContact | None:
        actor = self.actor.model_copy(update={"purpose": purpose, "case_id": None})
        try:
            found = self.data.call("vehicle_contact", plate, actor=actor)
        except NotFound:
            return None
        return VehicleContact.model_validate(found)

    # -- officers --------------------------------------------------------------------------

    @rpc
    def issue_fine(self, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        fine = parse(FineIssue, request)
        # read before the command's transaction, which must not wait on another service
        contact = self._contact(fine.plate, Purpose.TRAFFIC_ENFORCEMENT)
        if contact is None:
            raise NotFound("no registered vehicle has this plate")
        with self.db.command("citizen.issue_fine", idempotency_key) as command:
            if command.replayed:
                return dict(command.previous_result)
            issued = fines_app.issue_fine(
                command.session,
                self.events,
                self.settings,
                self.actor,
                fine,
                contact,
                now(),
            )
            return dict(command.record(issued.model_dump(mode="json")))

    @rpc
    def list_open_fine_appeals(self, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            listing = fines_app.open_appeals(session, self.actor, request.limit, request.cursor)
        return listing.model_dump(mode="json")

    @rpc
    def decide_fine_appeal(self, appeal_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        key = _uuid(appeal_id, "appeal")
        request = parse(AppealDecisionRequest, decision)
        with self.db.transaction() as session:
            decided = fines_app.decide_appeal(session, self.events, self.actor, key, request, now())
        return decided.model_dump(mode="json")

    # -- citizens: lookups and vehicles ----------------------------------------------------

    @rpc
    def lookup_unpaid_fines(self, proof: dict[str, Any]) -> list[dict[str, Any]]:
        request = parse(VehicleProof, proof)
        citizen_id = citizen_of(self.actor)
        # the try is counted in its own commit, before any refusal
        with self.db.transaction() as session:
            fines_app.spend_lookup(session, self.settings, citizen_id, now())
        with self.db.transaction() as session:
            found = fines_app.lookup_unpaid(session, self.settings, citizen_id, request, now())
        return [f.model_dump(mode="json") for f in found]

    @rpc
    def bind_fines_vehicle(self, proof: dict[str, Any]) -> dict[str, Any]:
        request = parse(VehicleProof, proof)
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            fines_app.spend_lookup(session, self.settings, citizen_id, now())
        contact = self._contact(request.plate, Purpose.CITIZEN_SERVICE)
        with self.db.transaction() as session:
            bound = fines_app.bind_vehicle(session, citizen_id, request, contact, now())
        return bound.model_dump(mode="json")

    @rpc
    def my_fines_vehicles(self) -> list[dict[str, Any]]:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            vehicles = fines_app.my_vehicles(session, citizen_id)
        return [v.model_dump(mode="json") for v in vehicles]

    @rpc
    def unbind_fines_vehicle(self, plate: str) -> None:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            fines_app.unbind_vehicle(session, citizen_id, _plate(plate))

    @rpc
    def my_fines(self, page: dict[str, Any], status: str | None = None) -> dict[str, Any]:
        request = parse(PageRequest, page)
        try:
            wanted = FineStatus(status) if status else None
        except ValueError:
            raise ValidationFailed("unknown fine status") from None
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            listing = fines_app.my_fines(
                session, citizen_id, wanted, request.limit, request.cursor, now()
            )
        return listing.model_dump(mode="json")

    @rpc
    def my_fine(self, fine_id: str) -> dict[str, Any]:
        key = _uuid(fine_id, "fine")
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            return fines_app.get_fine(session, citizen_id, key, now()).model_dump(mode="json")

    # -- citizens: payments and receipts ---------------------------------------------------

    @rpc
    def pay_fine(self, fine_id: str, idempotency_key: str) -> dict[str, Any]:
        """The same key again is the same payment; so is another key while it is pending."""
        key = _uuid(fine_id, "fine")
        citizen_id = citizen_of(self.actor)
        if not 1 <= len(idempotency_key or "") <= 100:
            raise ValidationFailed("an Idempotency-Key of 1-100 characters is required")
        scoped = payments.scoped_key(citizen_id, str(key), idempotency_key)
        with self.db.command(fines_app.PAY_OPERATION, scoped) as command:
            if command.replayed:
                payment_id = _uuid(command.previous_result["payment_id"], "payment")
                return fines_app.payment(command.session, citizen_id, payment_id).model_dump(
                    mode="json"
                )
            started = fines_app.start_payment(
                command.session, self.settings, citizen_id, key, scoped, now()
            )
            command.record({"payment_id": str(started.payment_id)})
            return started.model_dump(mode="json")

    @rpc
    def fine_payment(self, payment_id: str) -> dict[str, Any]:
        key = _uuid(payment_id, "payment")
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            return fines_app.payment(session, citizen_id, key).model_dump(mode="json")

    @rpc
    def fine_receipt(self, fine_id: str) -> dict[str, Any]:
        key = _uuid(fine_id, "fine")
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            return fines_app.receipt(session, citizen_id, key, now()).model_dump(mode="json")

    @rpc
    def payment_notification(
        self, provider: str, raw_body: str, signature: str | None = None
    ) -> dict[str, Any]:
        """A payment provider's signed notification, as it arrived (the gateway passes the raw
        body on untouched). Forged or unsigned: Unauthenticated, and nothing changes."""
        body = raw_body.encode()
        if len(body) > MAX_NOTIFICATION_BYTES:
            raise ValidationFailed("a notification is not this long")
        with self.db.transaction() as session:
            ack = fines_app.apply_notification(
                session, self.events, self.settings, provider, body, signature, now()
            )
        return ack.model_dump(mode="json")

    # -- citizens: the sandbox's hosted page -----------------------------------------------

    @rpc
    def sandbox_pay_checkout(self, provider_payment_id: str) -> dict[str, Any]:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            page = fines_app.sandbox_checkout(
                session, self.settings, citizen_id, provider_payment_id, now()
            )
        return page.model_dump(mode="json")

    @rpc
    def sandbox_pay_complete(
        self, provider_payment_id: str, completion: dict[str, Any]
    ) -> dict[str, Any]:
        """Plays the customer on SandboxPay's page, then delivers SandboxPay's signed
        notification the way the provider would, through the same verification as the
        gateway's callback route. Returns the payment afterwards."""
        request = parse(SandboxCompletion, completion)
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            body, signature = fines_app.sandbox_complete(
                session, self.settings, citizen_id, provider_payment_id, request, now()
            )
        with self.db.transaction() as session:
            fines_app.apply_notification(
                session,
                self.events,
                self.settings,
                self.settings.payment_provider,
                body,
                signature,
                now(),
            )
            paid = fines_app.payment_by_provider_id(session, citizen_id, provider_payment_id)
        return paid.model_dump(mode="json")

    # -- citizens: appeals -----------------------------------------------------------------

    @rpc
    def appeal_fine(self, fine_id: str, appeal: dict[str, Any]) -> dict[str, Any]:
        key = _uuid(fine_id, "fine")
        request = parse(AppealRequest, appeal)
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            submitted = fines_app.submit_appeal(session, citizen_id, key, request, now())
        return submitted.model_dump(mode="json")

    @rpc
    def my_fine_appeal(self, fine_id: str) -> dict[str, Any]:
        key = _uuid(fine_id, "fine")
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            return fines_app.fine_appeal(session, citizen_id, key, now()).model_dump(mode="json")
