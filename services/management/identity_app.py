"""Identity use cases: load, apply the rules in `domain/`, store. Called by service.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.key_store import KeyRing
from chassis.signing import TokenPolicy, access_token_claims, sign
from contracts.actor import Actor, in_scope
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.errors import Conflict, NotFound, RateLimited, Unauthenticated, ValidationFailed
from contracts.identity import (
    OFFICER_TOKENS_REVOKED,
    TOKEN_REVOKED,
    ClientCredentialsGrant,
    Officer,
    OfficerCreate,
    OfficerTokensRevoked,
    PasswordGrant,
    Revocations,
    RevokedToken,
    RolesChange,
    ServiceAccountCreate,
    TokenGrant,
    Unit,
    UnitCreate,
    UnitLevel,
)
from services.management import store
from services.management.domain.identity import (
    IdentityRuleBroken,
    check_roles,
    scope_for,
    unit_path,
)
from services.management.domain.lockout import (
    LockoutPolicy,
    LoginState,
    after_failure,
    after_success,
    locked,
)
from services.management.settings import Settings

INVALID_CREDENTIALS = "invalid credentials"

#: (stored hash or None, presented secret) -> matches; costs the same when the hash is None
SecretCheck = Callable[[str | None, str], bool]


def policy_of(settings: Settings) -> TokenPolicy:
    return TokenPolicy(issuer=settings.token_issuer, ttl=timedelta(seconds=settings.token_ttl_s))


def create_unit(session: Session, request: UnitCreate) -> Unit:
    parent = None
    if request.parent_id is not None:
        row = store.unit(session, request.parent_id)
        if row is None:
            raise NotFound("no such parent unit")
        parent = (UnitLevel(row.level), row.path)
    try:
        path = unit_path(request.level, request.id, parent)
    except IdentityRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None
    try:
        with session.begin_nested():
            store.add_unit(session, {**request.model_dump(), "path": path})
    except IntegrityError:
        raise Conflict("a unit with this id exists") from None
    return Unit.model_validate(request.model_dump())


def create_officer(session: Session, request: OfficerCreate, password_hash: str) -> Officer:
    if store.unit(session, request.unit_id) is None:
        raise NotFound("no such unit")
    try:
        roles = check_roles(request.roles)
    except IdentityRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None
    values = request.model_dump(exclude={"password"}) | {
        "roles": roles,
        "password_hash": password_hash,
    }
    try:
        with session.begin_nested():
            store.add_officer(session, values)
    except IntegrityError:
        raise Conflict("an officer with this id or username exists") from None
    return Officer(
        id=request.id,
        username=request.username,
        display_name=request.display_name,
        unit_id=request.unit_id,
        roles=roles,
        active=True,
    )


def create_service_account(
    session: Session, request: ServiceAccountCreate, secret_hash: str
) -> dict[str, Any]:
    try:
        roles = check_roles(request.roles)
    except IdentityRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None
    values = request.model_dump(exclude={"client_secret"}) | {
        "roles": roles,
        "secret_hash": secret_hash,
    }
    try:
        with session.begin_nested():
            store.add_service_account(session, values)
    except IntegrityError:
        raise Conflict("a service account with this client id exists") from None
    return {"client_id": request.client_id, "pillar": request.pillar, "roles": roles}


def _officer(row: Any) -> Officer:
    return Officer(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        unit_id=row.unit_id,
        roles=list(row.roles),
        active=row.active,
        badge_number=row.badge_number,
        rank=row.rank,
    )


def _record(
    session: Session,
    events: Any,
    operation: str,
    outcome: Outcome,
    subject: str,
    details: dict[str, Any],
) -> None:
    events.stage(
        session,
        audit_event_type("management"),
        AuditRecord(operation=operation, outcome=outcome, subject=subject, details=details),
    )


def change_roles(
    session: Session, events: Any, officer_id: str, change: RolesChange, now: datetime
) -> Officer:
    """New roles, recorded with the old ones and the reason; the officer's tokens (which carry
    the old roles) are revoked at once."""
    row = store.officer_by_id(session, officer_id)
    if row is None:
        raise NotFound("no such officer")
    try:
        roles = check_roles(change.roles)
    except IdentityRuleBroken as exc:
        raise ValidationFailed(str(exc)) from None
    store.update_officer(session, officer_id, {"roles": roles})
    revoke_officer_tokens(session, events, officer_id, now)
    _record(
        session,
        events,
        "management.change_roles",
        Outcome.PERFORMED,
        f"officer={officer_id}",
        {"before": sorted(row.roles), "after": roles, "reason": change.reason},
    )
    return _officer(store.officer_by_id(session, officer_id))


def set_active(
    session: Session,
    events: Any,
    officer_id: str,
    active: bool,
    reason: str,
    now: datetime,
) -> Officer:
    """Disable (tokens revoked at once, no new ones) or enable an officer, with the reason."""
    if not store.update_officer(
        session, officer_id, {"active": active, "disabled_reason": None if active else reason}
    ):
        raise NotFound("no such officer")
    if not active:
        revoke_officer_tokens(session, events, officer_id, now)
    _record(
        session,
        events,
        "management.enable_officer" if active else "management.disable_officer",
        Outcome.PERFORMED,
        f"officer={officer_id}",
        {"reason": reason},
    )
    return _officer(store.officer_by_id(session, officer_id))


def get_officer(session: Session, actor: Actor, officer_id: str) -> Officer:
    row = store.officer_by_id(session, officer_id)
    # outside the actor's scope looks exactly like absent: existence is not disclosed
    if row is None or not in_scope(actor.scope, row.unit_path):
        raise NotFound("no such officer")
    return _officer(row)


def represented_officer(session: Session, officer_id: str) -> dict[str, Any]:
    """Who a service account says it acts for: an active officer, with the scope they see."""
    row = store.officer_by_id(session, officer_id)
    if row is None or not row.active:
        raise NotFound("no active officer with this id")
    return {"id": row.id, "unit": row.unit_id, "scope": scope_for(row.unit_path, row.roles)}


def list_officers(
    session: Session, actor: Actor, after_id: str | None, limit: int
) -> dict[str, Any]:
    if not actor.scope:
        return {"items": [], "next_cursor": None}
    rows = store.officers_in_scope(session, actor.scope, after_id, limit)
    items = [_officer(r).model_dump() for r in rows]
    return {"items": items, "next_cursor": items[-1]["id"] if len(items) == limit else None}


# -- tokens --------------------------------------------------------------------------------


def key_ring(settings: Settings) -> KeyRing:
    return KeyRing(store.signing_keys, settings.signing_key_passphrase.get_secret_value().encode())


def signing_key(session: Session, settings: Settings) -> tuple[str, Any]:
    return key_ring(settings).current(session)


def rotate_signing_key(session: Session, settings: Settings) -> tuple[str, Any]:
    return key_ring(settings).rotate(session)


def jwks(session: Session, settings: Settings, now: datetime) -> dict[str, Any]:
    return key_ring(settings).published(session, now, timedelta(seconds=settings.token_ttl_s))


def _authenticated(row: Any, stored_hash: str | None, secret: str, verify: SecretCheck) -> Any:
    """The row, if it is active and the secret matches; the same refusal for every failure."""
    usable_hash = stored_hash if row is not None and row.active else None
    if not verify(usable_hash, secret) or row is None:
        raise Unauthenticated(INVALID_CREDENTIALS)
    return row


def _grant(session: Session, settings: Settings, now: datetime, **claims: Any) -> TokenGrant:
    kid, key = signing_key(session, settings)
    signed = sign(
        access_token_claims(policy=policy_of(settings), jti=uuid.uuid4().hex, now=now, **claims),
        key,
        kid,
    )
    return TokenGrant(access_token=signed, expires_in=settings.token_ttl_s)


def issue_officer_token(
    session: Session,
    settings: Settings,
    verify_secret: SecretCheck,
    grant: PasswordGrant,
    now: datetime,
    events: Any,
) -> TokenGrant:
    """A token for the right password, unless the account is locked; the successful login is
    recorded in the ledger (a failed one by `record_failed_login`, after the refusal)."""
    found = store.officer_by_username(session, grant.username)
    if found is not None and locked(LoginState(found.failed_logins, found.locked_until), now):
        retry_after = max(1, int((found.locked_until - now).total_seconds()))
        raise RateLimited(
            "too many failed logins: the account is locked for a while",
            retry_after=retry_after,
        )
    row = _authenticated(
        found, found.password_hash if found else None, grant.password, verify_secret
    )
    state = after_success()
    store.update_officer(
        session, row.id, {"failed_logins": state.failures, "locked_until": state.locked_until}
    )
    _record(session, events, "management.login", Outcome.ALLOWED, f"username={row.username}", {})
    return _grant(
        session,
        settings,
        now,
        subject=row.id,
        kind="officer",
        roles=row.roles,
        unit=row.unit_id,
        scope=scope_for(row.unit_path, row.roles),
    )


def record_failed_login(
    session: Session,
    events: Any,
    username: str,
    refusal: str,
    now: datetime,
    policy: LockoutPolicy,
) -> None:
    """Count the failure against the account (if there is one) and record the attempt."""
    found = store.officer_by_username(session, username)
    details: dict[str, Any] = {"refusal": refusal}
    if found is not None and refusal == INVALID_CREDENTIALS:
        state = after_failure(LoginState(found.failed_logins, found.locked_until), now, policy)
        store.update_officer(
            session,
            found.id,
            {"failed_logins": state.failures, "locked_until": state.locked_until},
        )
        details["locked"] = locked(state, now)
    _record(
        session,
        events,
        "management.login",
        Outcome.UNAUTHENTICATED,
        f"username={username}",
        details,
    )


def issue_service_token(
    session: Session,
    settings: Settings,
    verify_secret: SecretCheck,
    grant: ClientCredentialsGrant,
    now: datetime,
) -> TokenGrant:
    found = store.service_account(session, grant.client_id)
    row = _authenticated(
        found, found.secret_hash if found else None, grant.client_secret, verify_secret
    )
    return _grant(
        session,
        settings,
        now,
        subject=row.client_id,
        kind="service_account",
        roles=row.roles,
        pillar=row.pillar,
    )


def revoke_token(
    session: Session, events: Any, token: RevokedToken, revoked_by: str | None
) -> None:
    store.revoke_jti(session, token.jti, token.expires_at, revoked_by)
    events.stage(session, TOKEN_REVOKED, token)


def revoke_officer_tokens(session: Session, events: Any, officer_id: str, now: datetime) -> None:
    if not store.revoke_officer_tokens(session, officer_id, now):
        raise NotFound("no such officer")
    events.stage(
        session, OFFICER_TOKENS_REVOKED, OfficerTokensRevoked(officer_id=officer_id, not_before=now)
    )


def revocations(session: Session, now: datetime) -> Revocations:
    tokens, officer_rows = store.live_revocations(session, now)
    return Revocations(
        tokens=[RevokedToken(jti=t.jti, expires_at=t.expires_at) for t in tokens],
        officers=[
            OfficerTokensRevoked(officer_id=o.id, not_before=o.tokens_valid_after)
            for o in officer_rows
        ],
    )
