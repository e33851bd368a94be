"""Entrypoints of the prevention service: school pickup, authorised guardians and custody.

A base class of `PreventionService` (service.py); thin like it: rules live in `domain/`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.errors import ValidationFailed
from contracts.school_pickup import (
    AuthorisationCreate,
    ClassCreate,
    CustodyQuery,
    DelegationCreate,
    DismissalSessionCreate,
    GateEventIn,
    GuardianCreate,
    HoldResolve,
    HoldsQuery,
    ReportQuery,
    SchoolCreate,
    StudentCreate,
)
from contracts.values import PageRequest
from services.prevention import school_app
from services.prevention.domain.school_pickup import PickupRules

#: the gate's rules: release needs a match confidence of at least 0.92 and an event reported
#: within 10 minutes (see domain/school_pickup.py)
PICKUP_RULES = PickupRules()


def now() -> datetime:
    return datetime.now(UTC)


def _uuid(raw: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationFailed(f"not a {what} id") from None


def _json(model: Any) -> dict[str, Any]:
    result: dict[str, Any] = model.model_dump(mode="json")
    return result


class SchoolEntrypoints(PlatformService):
    # -- schools and their people ------------------------------------------------------------

    @rpc
    def create_school(self, school: dict[str, Any]) -> dict[str, Any]:
        request = parse(SchoolCreate, school)
        with self.db.transaction() as session:
            return _json(school_app.create_school(session, self.actor, request, now()))

    @rpc
    def get_school(self, school_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return _json(school_app.get_school(session, self.actor, str(school_id)))

    @rpc
    def list_schools(self, page: dict[str, Any]) -> dict[str, Any]:
        request = parse(PageRequest, page)
        with self.db.transaction() as session:
            return _json(school_app.list_schools(session, self.actor, request))

    @rpc
    def add_school_class(self, school_id: str, school_class: dict[str, Any]) -> dict[str, Any]:
        request = parse(ClassCreate, school_class)
        with self.db.transaction() as session:
            return _json(school_app.add_class(session, self.actor, str(school_id), request))

    @rpc
    def add_school_student(self, school_id: str, student: dict[str, Any]) -> dict[str, Any]:
        request = parse(StudentCreate, student)
        with self.db.transaction() as session:
            return _json(school_app.add_student(session, self.actor, str(school_id), request))

    @rpc
    def get_school_student(self, school_id: str, student_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return _json(
                school_app.get_student(session, self.actor, str(school_id), str(student_id))
            )

    @rpc
    def add_school_guardian(self, school_id: str, guardian: dict[str, Any]) -> dict[str, Any]:
        request = parse(GuardianCreate, guardian)
        with self.db.transaction() as session:
            return _json(school_app.add_guardian(session, self.actor, str(school_id), request))

    # -- who may collect a child -------------------------------------------------------------

    @rpc
    def authorise_pickup(
        self, school_id: str, student_id: str, authorisation: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(AuthorisationCreate, authorisation)
        with self.db.transaction() as session:
            return _json(
                school_app.authorise_pickup(
                    session, self.actor, str(school_id), str(student_id), request, now()
                )
            )

    @rpc
    def list_pickup_authorisations(self, school_id: str, student_id: str) -> list[Any]:
        with self.db.transaction() as session:
            listed = school_app.list_authorisations(
                session, self.actor, str(school_id), str(student_id)
            )
        return [_json(a) for a in listed]

    @rpc
    def revoke_pickup_authorisation(self, school_id: str, authorisation_id: str) -> dict[str, Any]:
        key = _uuid(authorisation_id, "authorisation")
        with self.db.transaction() as session:
            return _json(
                school_app.revoke_authorisation(session, self.actor, str(school_id), key, now())
            )

    @rpc
    def delegate_pickup(
        self, school_id: str, student_id: str, delegation: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(DelegationCreate, delegation)
        with self.db.transaction() as session:
            return _json(
                school_app.delegate_pickup(
                    session, self.actor, str(school_id), str(student_id), request, now()
                )
            )

    @rpc
    def add_dismissal_session(self, school_id: str, dismissal: dict[str, Any]) -> dict[str, Any]:
        request = parse(DismissalSessionCreate, dismissal)
        with self.db.transaction() as session:
            return _json(school_app.add_session(session, self.actor, str(school_id), request))

    # -- the gate ----------------------------------------------------------------------------

    @rpc
    def record_pickup_gate_event(self, school_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """A gate device's event: decided once per gate event id (a repeat replays it)."""
        request = parse(GateEventIn, event)
        key = f"{school_id}:{request.gate_event_id}"
        with self.db.command("record_gate_event", key) as command:
            if command.replayed:
                return {**command.previous_result, "replayed": True}
            decision = school_app.record_gate_event(
                command.session,
                self.events,
                self.actor,
                str(school_id),
                request,
                now(),
                PICKUP_RULES,
            )
            if decision.replayed:
                return _json(decision)
            return dict(command.record(_json(decision)))

    # -- staff -------------------------------------------------------------------------------

    @rpc
    def resolve_pickup_hold(
        self, school_id: str, entry_id: str, resolution: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(HoldResolve, resolution)
        key = _uuid(entry_id, "custody entry")
        with self.db.transaction() as session:
            return _json(
                school_app.resolve_hold(
                    session, self.events, self.actor, str(school_id), key, request, now()
                )
            )

    @rpc
    def list_pickup_holds(self, school_id: str, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(HoldsQuery, query)
        with self.db.transaction() as session:
            return _json(school_app.list_holds(session, self.actor, str(school_id), request))

    @rpc
    def student_custody_log(
        self, school_id: str, student_id: str, query: dict[str, Any]
    ) -> dict[str, Any]:
        request = parse(CustodyQuery, query)
        with self.db.transaction() as session:
            return _json(
                school_app.custody_log(
                    session, self.actor, str(school_id), str(student_id), request
                )
            )

    @rpc
    def pickup_report(self, school_id: str, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(ReportQuery, query)
        with self.db.transaction() as session:
            return _json(school_app.report(session, self.actor, str(school_id), request))
