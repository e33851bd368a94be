"""Entrypoints of the prevention service: smart communities, face-gate consent and access events.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.communities import (
    AccessEventIn,
    AccessQuery,
    CommunityCreate,
    ConsentDecision,
    GateAssignment,
    GuardianCreate,
    HouseholdCreate,
    NotificationChoice,
    ResidentCreate,
)
from contracts.errors import ValidationFailed
from contracts.values import PageRequest
from services.prevention import communities_app


def now() -> datetime:
    return datetime.now(UTC)


def _uuid(raw: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationFailed(f"not a {what} id") from None


def _community_id(raw: Any) -> str:
    if not isinstance(raw, str) or not 1 <= len(raw) <= 64:
        raise ValidationFailed("not a community id")
    return raw


class CommunitiesEntrypoints(PlatformService):
    # -- communities and gates (administrators) ------------------------------------------------

    @rpc
    def create_community(self, community: dict[str, Any]) -> dict[str, Any]:
        request = parse(CommunityCreate, community)
        with self.db.transaction() as session:
            created = communities_app.create_community(session, self.actor, request, now())
        return created.model_dump(mode="json")

    @rpc
    def assign_community_gates(
        self, community_id: str, assignment: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(GateAssignment, assignment)
        with self.db.transaction() as session:
            changed = communities_app.assign_gates(
                session, self.actor, _community_id(community_id), request, now()
            )
        return changed.model_dump(mode="json")

    @rpc
    def get_community(self, community_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            found = communities_app.get_community(session, self.actor, _community_id(community_id))
        return found.model_dump(mode="json")

    @rpc
    def list_communities(self, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            listing = communities_app.list_communities(session, self.actor, request)
        return listing.model_dump(mode="json")

    # -- households, residents, guardians (officers in scope) ----------------------------------

    @rpc
    def create_household(self, community_id: str, household: dict[str, Any]) -> dict[str, Any]:
        request = parse(HouseholdCreate, household)
        with self.db.transaction() as session:
            created = communities_app.create_household(
                session, self.actor, _community_id(community_id), request, now()
            )
        return created.model_dump(mode="json")

    @rpc
    def list_households(self, community_id: str, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            listing = communities_app.list_households(
                session, self.actor, _community_id(community_id), request
            )
        return listing.model_dump(mode="json")

    @rpc
    def register_resident(self, community_id: str, resident: dict[str, Any]) -> dict[str, Any]:
        request = parse(ResidentCreate, resident)
        with self.db.transaction() as session:
            created = communities_app.register_resident(
                session, self.actor, _community_id(community_id), request, now()
            )
        return created.model_dump(mode="json")

    @rpc
    def get_resident(self, resident_id: str) -> dict[str, Any]:
        key = _uuid(resident_id, "resident")
        with self.db.transaction() as session:
            found = communities_app.get_resident(session, self.actor, key, now())
        return found.model_dump(mode="json")

    @rpc
    def list_residents(self, community_id: str, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            listing = communities_app.list_residents(
                session, self.actor, _community_id(community_id), request, now()
            )
        return listing.model_dump(mode="json")

    @rpc
    def add_guardian(self, child_id: str, guardian: dict[str, Any]) -> dict[str, Any]:
        request = parse(GuardianCreate, guardian)
        key = _uuid(child_id, "resident")
        with self.db.transaction() as session:
            added = communities_app.add_guardian(session, self.actor, key, request, now())
        return added.model_dump(mode="json")

    @rpc
    def list_guardians(self, child_id: str) -> list[dict[str, Any]]:
        key = _uuid(child_id, "resident")
        with self.db.transaction() as session:
            found = communities_app.list_guardians(session, self.actor, key)
        return [g.model_dump(mode="json") for g in found]

    @rpc
    def consent_history(self, resident_id: str, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        key = _uuid(resident_id, "resident")
        with self.db.transaction() as session:
            listing = communities_app.consent_history(session, self.actor, key, request)
        return listing.model_dump(mode="json")

    @rpc
    def list_access_events(self, community_id: str, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(AccessQuery, query)
        with self.db.transaction() as session:
            listing = communities_app.list_access_events(
                session, self.actor, _community_id(community_id), request
            )
        return listing.model_dump(mode="json")

    # -- a resident's (or a child's guardian's) own decisions (citizens) -----------------------

    @rpc
    def grant_face_consent(self, resident_id: str) -> dict[str, Any]:
        return self._decide(resident_id, ConsentDecision.GRANTED)

    @rpc
    def withdraw_face_consent(self, resident_id: str) -> dict[str, Any]:
        return self._decide(resident_id, ConsentDecision.WITHDRAWN)

    def _decide(self, resident_id: str, decision: ConsentDecision) -> dict[str, Any]:
        key = _uuid(resident_id, "resident")
        with self.db.transaction() as session:
            decided = communities_app.decide_consent(
                session, self.events, self.actor, key, decision, now()
            )
        return decided.model_dump(mode="json")

    @rpc
    def choose_access_notifications(
        self, resident_id: str, choice: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(NotificationChoice, choice)
        key = _uuid(resident_id, "resident")
        with self.db.transaction() as session:
            chosen = communities_app.choose_notifications(session, self.actor, key, request, now())
        return chosen.model_dump(mode="json")

    @rpc
    def my_community_residents(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            mine = communities_app.my_residents(session, self.actor, now())
        return mine.model_dump(mode="json")

    # -- the gates ---------------------------------------------------------------------------

    @rpc
    def record_access_event(self, community_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Idempotent by the gate's own event id: a repeat answers the first receipt."""
        request = parse(AccessEventIn, event)
        with self.db.command("record_access_event", request.gate_event_id) as command:
            if command.replayed:
                return {**command.previous_result, "replayed": True}
            receipt = communities_app.record_access(
                command.session,
                self.events,
                self.actor,
                _community_id(community_id),
                request,
                now(),
            )
            return dict(command.record(receipt.model_dump(mode="json")))
