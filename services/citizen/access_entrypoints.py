"""Entrypoints of the citizen service: move-my-car, identity verification, who looked at my
data, corrections.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.secrets import Passwords
from chassis.validation import parse
from contracts.actor import Actor, ActorKind, Purpose
from contracts.citizen_access import (
    CorrectionCreate,
    CorrectionDecision,
    MoveRequestCreate,
    MoveStatus,
    OwnerReply,
)
from contracts.data_access import DataAccessQuery
from contracts.errors import Forbidden, NotFound, ValidationFailed
from contracts.values import MAX_PAGE_SIZE
from contracts.vehicles import IdentityClaim
from services.citizen import access_app
from services.citizen.accounts_app import citizen_of
from services.citizen.other_services import OtherServices

PASSWORDS = Passwords()


def _now() -> datetime:
    return datetime.now(UTC)


def _uuid(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(f"not a {what} id") from None


def _moment(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValidationFailed("a time in ISO 8601 with an offset") from None


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be 1-{MAX_PAGE_SIZE}")
    return limit


def for_the_citizen(citizen_id: str) -> Actor:
    """How reads made for a citizen's request appear in other services and the ledger: the
    citizen themselves, for the purpose of citizen service."""
    return Actor(kind=ActorKind.CITIZEN, id=citizen_id, purpose=Purpose.CITIZEN_SERVICE)


class AccessEntrypoints(OtherServices):
    # -- move my car -------------------------------------------------------------------------

    @rpc
    def request_car_moved(self, request: dict[str, Any]) -> dict[str, Any]:
        """一键挪车: the owner is sent an SMS and called; the requester learns how it goes,
        never the owner's number (nor the owner the requester's)."""
        citizen_id = citizen_of(self.actor)
        move = parse(MoveRequestCreate, request)
        now = _now()
        with self.db.transaction() as session:
            request_id = access_app.open_move_request(session, self.settings, citizen_id, move, now)
        # the look-up is recorded in the ledger by the data service, as this citizen's
        try:
            contact = self.data.call(
                "vehicle_contact", move.plate, actor=for_the_citizen(citizen_id)
            )
        except NotFound:
            contact = None  # no such vehicle here: nobody to tell (the requester is told so)
        with self.db.transaction() as session:
            access_app.notify_owner(
                session,
                self.settings,
                PASSWORDS,
                request_id,
                contact["owner_phone"] if contact else None,
                now,
            )
            return access_app.my_move_request(session, citizen_id, request_id).model_dump(
                mode="json"
            )

    @rpc
    def my_car_move_requests(self, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            page = access_app.my_move_requests(session, citizen_id, _limit(limit), cursor)
        return page.model_dump(mode="json")

    @rpc
    def my_car_move_request(self, request_id: str) -> dict[str, Any]:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            found = access_app.my_move_request(session, citizen_id, _uuid(request_id, "request"))
        return found.model_dump(mode="json")

    @rpc
    def close_car_move_request(self, request_id: str, outcome: str) -> dict[str, Any]:
        """The requester closes it: the car moved (`resolved`) or they no longer need it
        (`cancelled`)."""
        citizen_id = citizen_of(self.actor)
        try:
            status = MoveStatus(outcome)
        except ValueError:
            raise ValidationFailed("outcome is resolved or cancelled") from None
        if status not in (MoveStatus.RESOLVED, MoveStatus.CANCELLED):
            raise ValidationFailed("outcome is resolved or cancelled")
        with self.db.transaction() as session:
            closed = access_app.close_move_request(
                session, citizen_id, _uuid(request_id, "request"), status, _now()
            )
        return closed.model_dump(mode="json")

    @rpc
    def owner_reply(self, reply: dict[str, Any]) -> dict[str, Any]:
        """The owner's answer from the link in their SMS (no account needed: the token is the
        proof). They learn nothing of the requester."""
        answer = parse(OwnerReply, reply)
        with self.db.transaction() as session:
            access_app.owner_replies(session, PASSWORDS, answer, _now())
        return {"received": True}

    # -- identity and "who looked at my data" -------------------------------------------------

    @rpc
    def verify_my_identity(self, claim: dict[str, Any]) -> dict[str, Any]:
        """实名认证: the citizen's name and national id matched with the data service; the
        account is then linked to that person (one account per person)."""
        citizen_id = citizen_of(self.actor)
        identity = parse(IdentityClaim, claim)
        subjects = self.data.call(
            "verify_identity", identity.model_dump(), actor=for_the_citizen(citizen_id)
        )
        with self.db.transaction() as session:
            access_app.link_person(
                session, citizen_id, subjects["person_id"], subjects["name_masked"]
            )
        return {"identity_verified": True, "name": subjects["name_masked"]}

    @rpc
    def my_data_accesses(
        self,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Which units read my records, and for which declared purpose, from the ledger."""
        citizen_id = citizen_of(self.actor)
        start, end = access_app.data_access_window(_moment(since), _moment(until), _now())
        with self.db.transaction() as session:
            person_id = access_app.verified_person(session, citizen_id)
        actor = for_the_citizen(citizen_id)
        subjects = self.data.call("person_subjects", person_id, actor=actor)
        query = DataAccessQuery(
            subjects=subjects["subjects"],
            requester=citizen_id,
            since=start,
            until=end,
            limit=_limit(limit),
            cursor=cursor,
        )
        report: dict[str, Any] = self.management.call(
            "accesses_to_subjects", query.model_dump(mode="json"), actor=actor
        )
        return report

    # -- corrections -------------------------------------------------------------------------

    @rpc
    def ask_correction(self, request: dict[str, Any]) -> dict[str, Any]:
        citizen_id = citizen_of(self.actor)
        correction = parse(CorrectionCreate, request)
        with self.db.transaction() as session:
            asked = access_app.ask_correction(session, citizen_id, correction, _now())
        return asked.model_dump(mode="json")

    @rpc
    def my_corrections(self, limit: int = 50) -> list[dict[str, Any]]:
        citizen_id = citizen_of(self.actor)
        with self.db.transaction() as session:
            found = access_app.my_corrections(session, citizen_id, _limit(limit))
        return [c.model_dump(mode="json") for c in found]

    @rpc
    def open_corrections(self, limit: int = 50) -> list[dict[str, Any]]:
        self._officer()
        with self.db.transaction() as session:
            found = access_app.open_corrections(session, _limit(limit))
        return [c.model_dump(mode="json") for c in found]

    @rpc
    def decide_correction(self, correction_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        officer_id = self._officer()
        verdict = parse(CorrectionDecision, decision)
        with self.db.transaction() as session:
            decided = access_app.decide_correction(
                session, officer_id, _uuid(correction_id, "correction"), verdict, _now()
            )
        return decided.model_dump(mode="json")

    def _officer(self) -> str:
        actor = self.actor
        if actor.kind is not ActorKind.OFFICER:
            raise Forbidden("officers review corrections")
        return actor.id
