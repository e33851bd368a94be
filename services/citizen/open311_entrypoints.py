"""Entrypoints of the citizen service: Open311 GeoReport v2 requests and the safety map.

A base class of `CitizenService` (service.py); thin like it: rules live in `domain/`, use cases
in `open311_app.py` and `safety_map_app.py`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chassis.entrypoints import rpc
from chassis.secrets import Passwords
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.errors import Forbidden, ValidationFailed
from contracts.open311 import (
    API_KEY_ID_PATTERN,
    ApiKeyCreate,
    CitizenReportCreate,
    ServiceRequestCreate,
    ServiceRequestQuery,
    StatusUpdate,
)
from contracts.places import PLACE_ID_PATTERN
from contracts.safety_map import OpeningHours, SafetyMapRequest
from contracts.values import MAX_PAGE_SIZE
from services.citizen import accounts_app, open311_app, safety_map_app
from services.citizen.domain import open311 as rules

KEY_PASSWORDS = Passwords()


def now() -> datetime:
    return datetime.now(UTC)


def _checked_id(value: Any, pattern: str, what: str) -> str:
    if not isinstance(value, str) or not re.match(pattern, value):
        raise ValidationFailed(f"not a {what}")
    return value


class Open311Entrypoints(PlatformService):
    # -- Open311: services ------------------------------------------------------------------

    @rpc
    def open311_services(self) -> list[dict[str, Any]]:
        return [s.model_dump(mode="json") for s in open311_app.services()]

    @rpc
    def open311_service_definition(self, service_code: str) -> dict[str, Any]:
        return open311_app.definition(str(service_code)).model_dump(mode="json")

    # -- Open311: requests ------------------------------------------------------------------

    def _key_id(self, api_key: str | None) -> str:
        """The id of a valid, unrevoked key, or Forbidden (every refusal costs one argon2
        check, so a wrong key and an unknown one take the same time)."""
        parts = rules.split_api_key(api_key)
        key_id, secret = parts if parts else ("", "")
        stored = None
        if parts:
            with self.db.transaction() as session:
                stored = open311_app.stored_key_hash(session, key_id)
        if not KEY_PASSWORDS.verify_off_hub(stored, secret):
            raise Forbidden(open311_app.INVALID_KEY)
        return key_id

    @rpc
    def open311_create_request(
        self, request: dict[str, Any], api_key: str | None, idempotency_key: str
    ) -> list[dict[str, Any]]:
        """POST requests: a valid API key files a request; a retry with the same key returns
        the first answer."""
        filing = parse(ServiceRequestCreate, request)
        key_id = self._key_id(api_key)
        with self.db.command("open311.create_request", f"{key_id}:{idempotency_key}") as command:
            if command.replayed:
                return list(command.previous_result)
            created = open311_app.file_request(
                command.session, self.events, filing, now(), api_key_id=key_id
            )
            return list(command.record([created.model_dump(mode="json")]))

    @rpc
    def open311_requests(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        search = parse(ServiceRequestQuery, query)
        with self.db.transaction() as session:
            found = open311_app.list_requests(session, search, now())
        return [r.model_dump(mode="json") for r in found]

    @rpc
    def open311_request(self, service_request_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as session:
            found = open311_app.get_request(session, str(service_request_id))
        return [found.model_dump(mode="json")]

    # -- Open311: officers and administrators -----------------------------------------------

    @rpc
    def open311_issue_key(self, request: dict[str, Any]) -> dict[str, Any]:
        holder = parse(ApiKeyCreate, request)
        key = rules.new_api_key()
        secret_hash = KEY_PASSWORDS.hash_off_hub(key.secret)
        with self.db.transaction() as session:
            issued = open311_app.issue_key(
                session, self.actor, key, secret_hash, holder.name, now()
            )
        return issued.model_dump(mode="json")

    @rpc
    def open311_revoke_key(self, key_id: str) -> None:
        checked = _checked_id(key_id, API_KEY_ID_PATTERN, "key id")
        with self.db.transaction() as session:
            open311_app.revoke_key(session, self.actor, checked, now())

    @rpc
    def open311_update_status(
        self, service_request_id: str, change: dict[str, Any]
    ) -> dict[str, Any]:
        update = parse(StatusUpdate, change)
        with self.db.transaction() as session:
            moved = open311_app.update_status(
                session, self.actor, str(service_request_id), update, now()
            )
        return moved.model_dump(mode="json")

    # -- a citizen's own reports ------------------------------------------------------------

    @rpc
    def file_report(self, report: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        filing = parse(CitizenReportCreate, report)
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.command("citizen.file_report", f"{citizen_id}:{idempotency_key}") as command:
            if command.replayed:
                return dict(command.previous_result)
            created = open311_app.file_request(
                command.session,
                self.events,
                filing.as_service_request(),
                now(),
                citizen_id=citizen_id,
            )
            return dict(command.record(created.model_dump(mode="json")))

    @rpc
    def my_reports(self, limit: int = 50) -> list[dict[str, Any]]:
        if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"limit must be 1-{MAX_PAGE_SIZE}")
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.transaction() as session:
            found = open311_app.my_reports(session, citizen_id, limit)
        return [r.model_dump(mode="json") for r in found]

    @rpc
    def my_report(self, service_request_id: str) -> dict[str, Any]:
        citizen_id = accounts_app.citizen_of(self.actor)
        with self.db.transaction() as session:
            found = open311_app.my_report(session, citizen_id, str(service_request_id))
        return found.model_dump(mode="json")

    # -- the safety map ---------------------------------------------------------------------

    @rpc
    def safety_map(self, request: dict[str, Any]) -> dict[str, Any]:
        """The data service's nearest places (as the gateway found them) with their hours, as
        a GeoJSON FeatureCollection."""
        asked = parse(SafetyMapRequest, request)
        with self.db.transaction() as session:
            found = safety_map_app.safety_map(session, asked, now())
        return found.model_dump(mode="json")

    @rpc
    def set_opening_hours(self, place_id: str, hours: dict[str, Any]) -> dict[str, Any]:
        checked = _checked_id(place_id, PLACE_ID_PATTERN, "place id")
        opening = parse(OpeningHours, hours)
        with self.db.transaction() as session:
            saved = safety_map_app.set_hours(session, self.actor, checked, opening, now())
        return saved.model_dump(mode="json")

    @rpc
    def reset_opening_hours(self, place_id: str) -> None:
        checked = _checked_id(place_id, PLACE_ID_PATTERN, "place id")
        with self.db.transaction() as session:
            safety_map_app.reset_hours(session, self.actor, checked)
