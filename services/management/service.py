"""nameko entrypoints of the management service. Thin: rules live in `domain/`, use cases in
`identity_app.py` and `ledger_app.py`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventlet import tpool

from chassis.entrypoints import on_events, rpc, timer
from chassis.retention import DataClass
from chassis.service import PlatformService
from chassis.validation import parse
from contracts.audit import AUDIT_EVENT_PATTERN, SPANS_EVENT_PATTERN, LedgerQuery
from contracts.envelope import EventEnvelope
from contracts.identity import (
    ClientCredentialsGrant,
    OfficerCreate,
    PasswordGrant,
    RevokedToken,
    ServiceAccountCreate,
    UnitCreate,
)
from contracts.values import PageRequest
from services.management import identity_app, ledger_app, store
from services.management.domain.identity import Passwords
from services.management.settings import Settings

PASSWORDS = Passwords()
TREE_HEAD_INTERVAL_S = Settings().ledger_tree_head_interval_s


def now() -> datetime:
    return datetime.now(UTC)


# argon2 is deliberately slow CPU work: it runs in a real thread, off the eventlet hub
def hash_secret(secret: str) -> str:
    return str(tpool.execute(PASSWORDS.hash, secret))


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    return bool(tpool.execute(PASSWORDS.verify, stored_hash, secret))


class ManagementService(PlatformService):
    name = "management"
    settings_class = Settings
    retention_classes = (
        # the personal details behind ledger entries; the entries and their hashes stay
        DataClass("ledger_details", store.ledger_details, "created_at", "digest"),
        DataClass("spans", store.spans, "start_time", "span_id"),
    )
    untraced_entrypoints = (
        *PlatformService.untraced_entrypoints,
        "record_spans",  # its spans would be exported, stored, traced, exported, ...
        "record_tree_head",
    )

    # -- units and officers ----------------------------------------------------------------

    @rpc
    def create_unit(self, unit: dict[str, Any]) -> dict[str, Any]:
        request = parse(UnitCreate, unit)
        with self.db.transaction() as session:
            return identity_app.create_unit(session, request).model_dump(mode="json")

    @rpc
    def create_officer(self, officer: dict[str, Any]) -> dict[str, Any]:
        request = parse(OfficerCreate, officer)
        password_hash = hash_secret(request.password)
        with self.db.transaction() as session:
            return identity_app.create_officer(session, request, password_hash).model_dump()

    @rpc
    def create_service_account(self, account: dict[str, Any]) -> dict[str, Any]:
        request = parse(ServiceAccountCreate, account)
        secret_hash = hash_secret(request.client_secret)
        with self.db.transaction() as session:
            return identity_app.create_service_account(session, request, secret_hash)

    @rpc
    def get_officer(self, officer_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.get_officer(session, self.actor, officer_id).model_dump()

    @rpc
    def represented_officer(self, officer_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.represented_officer(session, officer_id)

    @rpc
    def list_officers(self, page: dict[str, Any] | None = None) -> dict[str, Any]:
        request = parse(PageRequest, page or {})
        with self.db.transaction() as session:
            return identity_app.list_officers(session, self.actor, request.cursor, request.limit)

    # -- tokens ----------------------------------------------------------------------------

    @rpc
    def issue_officer_token(self, grant: dict[str, Any]) -> dict[str, Any]:
        request = parse(PasswordGrant, grant)
        with self.db.transaction() as session:
            token = identity_app.issue_officer_token(
                session, self.settings, verify_secret, request, now()
            )
        return token.model_dump()

    @rpc
    def issue_service_token(self, grant: dict[str, Any]) -> dict[str, Any]:
        request = parse(ClientCredentialsGrant, grant)
        with self.db.transaction() as session:
            token = identity_app.issue_service_token(
                session, self.settings, verify_secret, request, now()
            )
        return token.model_dump()

    @rpc
    def jwks(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.jwks(session, self.settings, now())

    @rpc
    def rotate_signing_key(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            kid, _ = identity_app.rotate_signing_key(session, self.settings)
        return {"kid": kid}

    @rpc
    def revoke_token(self, token: dict[str, Any]) -> None:
        request = parse(RevokedToken, token)
        with self.db.transaction() as session:
            identity_app.revoke_token(session, self.events, request, self.actor.id)

    @rpc
    def revoke_officer_tokens(self, officer_id: str) -> None:
        with self.db.transaction() as session:
            identity_app.revoke_officer_tokens(session, self.events, officer_id, now())

    @rpc
    def revocations(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return identity_app.revocations(session, now()).model_dump(mode="json")

    # -- audit ledger and traces -----------------------------------------------------------

    @on_events(AUDIT_EVENT_PATTERN, batch_size=500, max_wait_ms=20)
    def record_audit(self, events: list[EventEnvelope]) -> None:
        with self.db.apply_batch_once(events) as (session, new):
            ledger_app.append(session, self.settings, new)

    @on_events(SPANS_EVENT_PATTERN, batch_size=200, max_wait_ms=200)
    def record_spans(self, events: list[EventEnvelope]) -> None:
        with self.db.apply_batch_once(events) as (session, new):
            ledger_app.store_spans(session, new)

    @rpc
    def query_ledger(self, query: dict[str, Any]) -> dict[str, Any]:
        request = parse(LedgerQuery, query)
        with self.db.transaction() as session:
            return ledger_app.query(session, self.settings, request).model_dump(mode="json")

    @rpc
    def verify_ledger(self) -> dict[str, Any]:
        with self.db.transaction() as session:
            return ledger_app.verify(session).model_dump(mode="json")

    @rpc
    def trace_story(self, trace_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            return ledger_app.trace_story(session, trace_id).model_dump(mode="json")

    @timer(interval=TREE_HEAD_INTERVAL_S)
    def record_tree_head(self) -> None:
        with self.db.transaction() as session:
            ledger_app.record_tree_head(session)


SERVICE = ManagementService
