"""Entrypoints of the citizen service: fire-safety permits and certificates.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from chassis.entrypoints import rpc
from chassis.validation import parse
from contracts.certificates import (
    MAX_CERTIFICATE_NUMBER_CHARS,
    OPEN_CERTIFICATE_STATUSES,
    CertificateDecision,
    CertificateRequestCreate,
    CertificateRevocation,
    CertificateStatus,
)
from contracts.errors import ValidationFailed
from contracts.permits import (
    OPEN_PERMIT_STATUSES,
    InterviewAnswers,
    PermitApplicationCreate,
    PermitDecision,
    PermitResubmission,
    PermitStatus,
)
from contracts.places import UNIT_ID_PATTERN
from contracts.values import MAX_PAGE_SIZE
from services.citizen import accounts_app, certificates_app, permits_app
from services.citizen.other_services import OtherServices

S = TypeVar("S", bound=StrEnum)


def now() -> datetime:
    return datetime.now(UTC)


def _id(raw: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        raise ValidationFailed(f"not {what} id") from None


def _limit(limit: Any) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be 1-{MAX_PAGE_SIZE}")
    return limit


def _cursor(cursor: Any) -> str | None:
    if cursor is not None and (not isinstance(cursor, str) or len(cursor) > 200):
        raise ValidationFailed("invalid cursor")
    return cursor


def _statuses(raw: Sequence[str] | None, kind: type[S], default: Sequence[S]) -> list[S]:
    if not raw:
        return list(default)
    try:
        return list(dict.fromkeys(kind(s) for s in list(raw)[: len(kind)]))
    except (TypeError, ValueError):
        raise ValidationFailed(
            "unknown status", errors=[{"field": "status", "problem": "enum"}]
        ) from None


class PermitsEntrypoints(OtherServices):
    # -- fire-safety permits ---------------------------------------------------------------

    @rpc
    def fire_permit_interview(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The next question for the answers so far, or the outcome (stateless)."""
        return permits_app.interview(parse(InterviewAnswers, answers)).model_dump(mode="json")

    @rpc
    def submit_fire_permit(
        self, application: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        request = parse(PermitApplicationCreate, application)
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.command(f"submit_fire_permit:{citizen_id}", idempotency_key) as command:
            if command.replayed:
                return dict(command.previous_result)
            submitted = permits_app.submit(command.session, self.actor, request, now())
            return dict(command.record(submitted.model_dump(mode="json")))

    @rpc
    def my_fire_permits(self, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
        with self.db.transaction() as session:
            return permits_app.my_applications(
                session, self.actor, _cursor(cursor), _limit(limit)
            ).model_dump(mode="json")

    @rpc
    def my_fire_permit(self, application_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return permits_app.my_application(
                session, self.actor, _id(application_id, "an application")
            ).model_dump(mode="json")

    @rpc
    def resubmit_fire_permit(
        self, application_id: str, resubmission: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        request = parse(PermitResubmission, resubmission)
        key = _id(application_id, "an application")
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.command(f"resubmit_fire_permit:{citizen_id}", idempotency_key) as command:
            if command.replayed:
                return dict(command.previous_result)
            resubmitted = permits_app.resubmit(command.session, self.actor, key, request, now())
            return dict(command.record(resubmitted.model_dump(mode="json")))

    @rpc
    def fire_permit_queue(
        self, statuses: list[str] | None = None, cursor: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """Applications oldest first; by default those still open (submitted, under review)."""
        wanted = _statuses(statuses, PermitStatus, OPEN_PERMIT_STATUSES)
        with self.db.transaction() as session:
            return permits_app.queue(
                session, self.actor, wanted, _cursor(cursor), _limit(limit)
            ).model_dump(mode="json")

    @rpc
    def fire_permit_for_review(self, application_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return permits_app.for_review(
                session, self.actor, _id(application_id, "an application")
            ).model_dump(mode="json")

    @rpc
    def take_fire_permit(self, application_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return permits_app.take(
                session, self.actor, _id(application_id, "an application"), now()
            ).model_dump(mode="json")

    @rpc
    def decide_fire_permit(self, application_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        request = parse(PermitDecision, decision)
        with self.db.transaction() as session:
            return permits_app.decide(
                session, self.actor, _id(application_id, "an application"), request, now()
            ).model_dump(mode="json")

    # -- certificates ----------------------------------------------------------------------

    def _find_places(self, query: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = self.data.call("find_places", query)
        return found

    @rpc
    def certificate_halls(
        self, district: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """The self-service halls where certificates are picked up."""
        if district is not None and not (
            isinstance(district, str) and re.fullmatch(UNIT_ID_PATTERN, district)
        ):
            raise ValidationFailed("invalid district")
        return certificates_app.halls(
            self._find_places, district, _cursor(cursor), _limit(limit)
        ).model_dump(mode="json")

    @rpc
    def request_certificate(self, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        create = parse(CertificateRequestCreate, request)
        citizen_id = accounts_app.citizen_of(self.actor)
        hall = certificates_app.find_hall(self._find_places, create.hall_id)
        with self.db.command(f"request_certificate:{citizen_id}", idempotency_key) as command:
            if command.replayed:
                return dict(command.previous_result)
            made = certificates_app.request(command.session, self.actor, create, hall, now())
            return dict(command.record(made.model_dump(mode="json")))

    @rpc
    def my_certificate_requests(self, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
        with self.db.transaction() as session:
            return certificates_app.my_requests(
                session, self.actor, _cursor(cursor), _limit(limit)
            ).model_dump(mode="json")

    @rpc
    def my_certificate_request(self, request_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return certificates_app.my_request(
                session, self.actor, _id(request_id, "a request")
            ).model_dump(mode="json")

    @rpc
    def certificate_queue(
        self, statuses: list[str] | None = None, cursor: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """Requests oldest first; by default those still open (requested, in review)."""
        wanted = _statuses(statuses, CertificateStatus, OPEN_CERTIFICATE_STATUSES)
        with self.db.transaction() as session:
            return certificates_app.queue(
                session, self.actor, wanted, _cursor(cursor), _limit(limit)
            ).model_dump(mode="json")

    @rpc
    def certificate_request_for_review(self, request_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return certificates_app.for_review(
                session, self.actor, _id(request_id, "a request")
            ).model_dump(mode="json")

    @rpc
    def take_certificate_request(self, request_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return certificates_app.take(
                session, self.actor, _id(request_id, "a request"), now()
            ).model_dump(mode="json")

    @rpc
    def decide_certificate_request(
        self, request_id: str, decision: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(CertificateDecision, decision)
        key = certificates_app.number_key(self.settings)
        with self.db.transaction() as session:
            return certificates_app.decide(
                session, self.actor, _id(request_id, "a request"), request, key, now()
            ).model_dump(mode="json")

    @rpc
    def record_certificate_collection(self, request_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return certificates_app.collect(
                session, self.actor, _id(request_id, "a request"), now()
            ).model_dump(mode="json")

    @rpc
    def revoke_certificate(self, request_id: str, revocation: dict[str, Any]) -> dict[str, Any]:
        request = parse(CertificateRevocation, revocation)
        with self.db.transaction() as session:
            return certificates_app.revoke(
                session, self.actor, _id(request_id, "a request"), request, now()
            ).model_dump(mode="json")

    @rpc
    def verify_certificate(self, number: str) -> dict[str, Any]:
        """Public: whether a certificate number is genuine, its kind, day of issue and state."""
        if not isinstance(number, str):
            raise ValidationFailed("a certificate number is text")
        key = certificates_app.number_key(self.settings)
        with self.db.transaction() as session:
            return certificates_app.verify(
                session, key, number[: MAX_CERTIFICATE_NUMBER_CHARS + 1]
            ).model_dump(mode="json")
