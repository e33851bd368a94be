"""nameko entrypoints of the citizen service. Thin: rules live in `domain/`, use cases in the
`*_app.py` modules. Each group of features brings its entrypoints as a base class of its own
(`*_entrypoints.py`); this module puts them together with accounts and notifications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import on_event, rpc, timer
from chassis.retention import DataClass
from chassis.secrets import Passwords
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.actor import ActorKind
from contracts.citizens import CodeGrant, CodeRequest
from contracts.envelope import EventEnvelope
from contracts.errors import NotFound, Unauthenticated, ValidationFailed
from contracts.notifications import NOTIFICATION_REQUEST_PATTERN, NotificationRequest
from contracts.values import MAX_PAGE_SIZE
from services.citizen import accounts_app, notifications_app
from services.citizen.access_entrypoints import AccessEntrypoints
from services.citizen.access_store import move_requests
from services.citizen.appointments_entrypoints import AppointmentsEntrypoints
from services.citizen.appointments_store import bookings
from services.citizen.domain import codes
from services.citizen.fines_entrypoints import FinesEntrypoints
from services.citizen.open311_entrypoints import Open311Entrypoints
from services.citizen.open311_store import open311_requests
from services.citizen.permits_entrypoints import PermitsEntrypoints
from services.citizen.settings import Settings
from services.citizen.sink import LocalSink
from services.citizen.store import notifications, sink_messages

PASSWORDS = Passwords()
DELIVERY_INTERVAL_S = Settings().notification_interval_s


def now() -> datetime:
    return datetime.now(UTC)


class CitizenService(
    AppointmentsEntrypoints,
    FinesEntrypoints,
    Open311Entrypoints,
    PermitsEntrypoints,
    AccessEntrypoints,
    PlatformService,
):
    name = "citizen"
    settings_class = Settings
    retention_classes = (
        # what was sent to whom (phone numbers, message bodies)
        DataClass("notifications", notifications, "created_at", "notification_id"),
        DataClass("sink_messages", sink_messages, "received_at", "notification_id"),
        # who asked which owner to move their car
        DataClass("move_requests", move_requests, "created_at", "request_id"),
        # Open311 reports with the reporter's contact details
        DataClass("open311_requests", open311_requests, "requested_at", "service_request_id"),
        # who booked which appointment
        DataClass("appointment_bookings", bookings, "starts_at", "booking_id"),
    )
    untraced_entrypoints = (
        *PlatformService.untraced_entrypoints,
        "deliver_notifications",
        "send_appointment_reminders",
    )

    # -- accounts --------------------------------------------------------------------------

    @rpc
    def request_sign_in_code(self, request: dict[str, Any]) -> dict[str, Any]:
        code_request = parse(CodeRequest, request)
        code = codes.new_code()
        code_hash = PASSWORDS.hash_off_hub(code)
        with self.db.transaction() as session:
            sent = accounts_app.send_code(
                session, self.settings, code_request, code, code_hash, now()
            )
        return sent.model_dump(mode="json")

    @rpc
    def sign_in(self, grant: dict[str, Any]) -> dict[str, Any]:
        code_grant = parse(CodeGrant, grant)
        # the wrong guess is counted in its own commit, before the refusal
        with self.db.transaction() as session:
            right = accounts_app.check_code(session, self.settings, PASSWORDS, code_grant, now())
        if not right:
            raise Unauthenticated(accounts_app.REFUSED)
        with self.db.transaction() as session:
            token = accounts_app.sign_in(session, self.settings, code_grant, now())
        return token.model_dump(mode="json")

    @rpc
    def jwks(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return accounts_app.jwks(session, self.settings, now())

    @rpc
    def my_profile(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return accounts_app.profile(session, self.actor).model_dump(mode="json")

    # -- notifications ---------------------------------------------------------------------

    def _sender(self) -> str:
        actor = self.actor
        return actor.id if actor.kind is ActorKind.SERVICE_ACCOUNT else f"{actor.kind}:{actor.id}"

    @rpc
    def send_notification(self, request: dict[str, Any]) -> dict[str, Any]:
        """Other pillars send SMS, voice and push through here; the same notification id
        twice is one message."""
        notification = parse(NotificationRequest, request)
        with self.db.transaction() as session:
            notifications_app.enqueue(session, notification, self._sender(), now())
            return notifications_app.status(session, notification.notification_id).model_dump(
                mode="json"
            )

    @on_event(NOTIFICATION_REQUEST_PATTERN)
    def notification_requested(self, event: EventEnvelope) -> None:
        notification = parse(NotificationRequest, event.payload)
        with self.db.apply_once(event) as session:
            notifications_app.enqueue(session, notification, event.producer, now())

    @rpc
    def notification_status(self, notification_id: str) -> dict[str, Any]:
        try:
            key = uuid.UUID(notification_id)
        except (TypeError, ValueError, AttributeError):
            raise ValidationFailed("not a notification id") from None
        with self.db.transaction() as session:
            return notifications_app.status(session, key).model_dump(mode="json")

    @rpc
    def sink_messages(
        self, recipient: str | None = None, category: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """What the local sink received (development only: nothing to browse elsewhere)."""
        if self.settings.notification_provider != "sink":
            raise NotFound("notifications go to a real provider here: there is no sink")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"limit must be 1-{MAX_PAGE_SIZE}")
        with self.db.transaction() as session:
            messages = notifications_app.sink_listing(session, recipient, category, limit)
        return [m.model_dump(mode="json") for m in messages]

    @timer(interval=DELIVERY_INTERVAL_S)
    def deliver_notifications(self) -> None:
        policy = notifications_app.retry_policy(self.settings)
        while True:
            with self.db.transaction() as session:
                tried = notifications_app.deliver_due(
                    session, LocalSink(session), policy, now(), self.settings.notification_batch
                )
            if tried < self.settings.notification_batch:
                return


SERVICE = CitizenService
