"""Citizen accounts: a code sent to a phone, the code exchanged for a citizen token."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from chassis.key_store import KeyRing
from chassis.secrets import Passwords
from chassis.signing import TokenPolicy, access_token_claims, sign
from contracts.actor import Actor, ActorKind
from contracts.citizens import (
    CITIZEN_AUDIENCE,
    CITIZEN_ROLE,
    CitizenProfile,
    CitizenTokenGrant,
    CodeGrant,
    CodeRequest,
    CodeSent,
    masked_phone,
    national_number,
)
from contracts.errors import Forbidden, NotFound, RateLimited
from contracts.notifications import Channel, NotificationRequest
from services.citizen import notifications_app
from services.citizen.domain import codes
from services.citizen.settings import Settings
from services.citizen.store import citizens, sign_in_codes, signing_keys

REFUSED = "the code is wrong or no longer valid: ask for a new one"


def code_policy(settings: Settings) -> codes.CodePolicy:
    return codes.CodePolicy(
        ttl=timedelta(seconds=settings.code_ttl_s),
        resend_after=timedelta(seconds=settings.code_resend_after_s),
        per_hour=settings.codes_per_hour,
        max_attempts=settings.code_max_attempts,
    )


def key_ring(settings: Settings) -> KeyRing:
    return KeyRing(signing_keys, settings.signing_key_passphrase.get_secret_value().encode())


def digest_of(settings: Settings, phone: str) -> str:
    return codes.phone_digest(
        settings.phone_digest_key.get_secret_value().encode(), national_number(phone)
    )


def _code_row(session: Session, digest: str) -> Any:
    session.execute(pg_insert(sign_in_codes).values(phone_digest=digest).on_conflict_do_nothing())
    return session.execute(
        select(sign_in_codes).where(sign_in_codes.c.phone_digest == digest).with_for_update()
    ).one()


def send_code(
    session: Session,
    settings: Settings,
    request: CodeRequest,
    code: str,
    code_hash: str,
    now: datetime,
) -> CodeSent:
    """Store the code's hash and put the SMS in the outbox, unless this number had its share
    of codes (429 with the wait). Whether the number has an account is never said."""
    policy = code_policy(settings)
    row = _code_row(session, digest_of(settings, request.phone))
    history = codes.SendHistory(row.last_sent_at, row.window_started_at, row.sent_in_window)
    wait = codes.wait_before_sending(policy, history, now)
    if wait > 0:
        raise RateLimited(
            "a code was sent to this number recently: wait before asking again",
            retry_after=max(1, int(wait + 0.999)),
        )
    sent = codes.after_sending(history, now)
    session.execute(
        update(sign_in_codes)
        .where(sign_in_codes.c.phone_digest == row.phone_digest)
        .values(
            code_hash=code_hash,
            expires_at=now + policy.ttl,
            attempts=0,
            last_sent_at=sent.last_sent_at,
            window_started_at=sent.window_started_at,
            sent_in_window=sent.sent_in_window,
        )
    )
    notifications_app.enqueue(
        session,
        NotificationRequest(
            channel=Channel.SMS,
            phone=national_number(request.phone),
            body=codes.message(code, policy.ttl),
            category="sign_in_code",
        ),
        sender="citizen",
        now=now,
        sensitive=True,
    )
    return CodeSent(
        expires_in=settings.code_ttl_s, resend_after=int(policy.resend_after.total_seconds())
    )


def check_code(
    session: Session, settings: Settings, passwords: Passwords, grant: CodeGrant, now: datetime
) -> bool:
    """Whether the code is right; a wrong one counts against the code (committed either way),
    a right one is spent."""
    policy = code_policy(settings)
    row = _code_row(session, digest_of(settings, grant.phone))
    if not codes.usable(policy, row.expires_at, row.attempts, now):
        passwords.verify_off_hub(None, grant.code)  # the same time as a real check
        return False
    right = passwords.verify_off_hub(row.code_hash, grant.code)
    values: dict[str, Any] = (
        {"code_hash": None, "expires_at": None, "attempts": 0}
        if right
        else {"attempts": row.attempts + 1}
    )
    session.execute(
        update(sign_in_codes).where(sign_in_codes.c.phone_digest == row.phone_digest).values(values)
    )
    return right


def sign_in(
    session: Session, settings: Settings, grant: CodeGrant, now: datetime
) -> CitizenTokenGrant:
    """The citizen's token; the account is made the first time the number signs in."""
    number = national_number(grant.phone)
    digest = digest_of(settings, number)
    inserted = session.execute(
        pg_insert(citizens)
        .values(
            citizen_id=f"c-{secrets.token_hex(8)}",
            phone_digest=digest,
            phone=number,
            registered_at=now,
            last_sign_in_at=now,
        )
        .on_conflict_do_nothing()
        .returning(citizens.c.citizen_id)
    ).scalar()
    if inserted is None:
        citizen_id = session.execute(
            update(citizens)
            .where(citizens.c.phone_digest == digest)
            .values(last_sign_in_at=now)
            .returning(citizens.c.citizen_id)
        ).scalar_one()
    else:
        citizen_id = inserted
    kid, key = key_ring(settings).current(session)
    policy = TokenPolicy(
        issuer=settings.token_issuer,
        ttl=timedelta(seconds=settings.token_ttl_s),
        audience=CITIZEN_AUDIENCE,
    )
    claims = access_token_claims(
        policy=policy,
        subject=citizen_id,
        kind=str(ActorKind.CITIZEN),
        jti=uuid.uuid4().hex,
        now=now,
        roles=[CITIZEN_ROLE],
    )
    return CitizenTokenGrant(
        access_token=sign(claims, key, kid),
        expires_in=settings.token_ttl_s,
        citizen_id=citizen_id,
        registered=inserted is not None,
    )


def jwks(session: Session, settings: Settings, now: datetime) -> dict[str, Any]:
    return key_ring(settings).published(session, now, timedelta(seconds=settings.token_ttl_s))


def citizen_of(actor: Actor) -> str:
    """The calling citizen's id; only a citizen has one."""
    if actor.kind is not ActorKind.CITIZEN:
        raise Forbidden("this is a citizen's own service")
    return actor.id


def citizen_row(session: Session, citizen_id: str) -> Any:
    row = session.execute(select(citizens).where(citizens.c.citizen_id == citizen_id)).first()
    if row is None:
        raise NotFound("no such citizen")
    return row


def profile(session: Session, actor: Actor) -> CitizenProfile:
    row = citizen_row(session, citizen_of(actor))
    return CitizenProfile(
        citizen_id=row.citizen_id,
        phone=masked_phone(row.phone),
        registered_at=row.registered_at,
        identity_verified=row.person_id is not None,
        name=row.name_masked,
    )
