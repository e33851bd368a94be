"""Citizen sign-in: a code through the notification outbox, exchanged for a citizen token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text

from chassis.testing.polling import eventually
from contracts.actor import Actor, ActorKind
from contracts.citizens import CITIZEN_AUDIENCE

PHONE = "13800138000"


def code_from_sink(proxy: Any, phone: str, seen: int = 0) -> str:
    def latest() -> str | None:
        messages = proxy.sink_messages(recipient=phone, category="sign_in_code")
        if len(messages) <= seen:
            return None
        found = re.search(r"\b([0-9]{6})\b", messages[0]["body"])
        return found.group(1) if found else None

    return eventually(latest, what="the sign-in code in the sink")


def test_a_code_by_sms_signs_a_new_citizen_in_and_is_spent(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    proxy = call()
    sent = proxy.request_sign_in_code({"phone": f"+86{PHONE}"})
    assert sent == {"expires_in": 300, "resend_after": 60}
    code = code_from_sink(proxy, PHONE)

    grant = proxy.sign_in({"phone": PHONE, "code": code})
    assert grant["registered"] is True
    claims = jwt.decode(grant["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "citizen" and claims["aud"] == CITIZEN_AUDIENCE
    assert claims["sub"] == grant["citizen_id"] and claims["roles"] == ["citizen"]
    jwks = proxy.jwks()
    assert jwt.get_unverified_header(grant["access_token"])["kid"] in {
        k["kid"] for k in jwks["keys"]
    }

    with pytest.raises(RemoteError) as refused:
        proxy.sign_in({"phone": PHONE, "code": code})
    assert refused.value.exc_type == "Unauthenticated"

    # the code left the outbox and is not kept there
    with citizen_db.connect() as conn:
        bodies = conn.execute(
            text("SELECT body, status FROM notifications WHERE category = 'sign_in_code'")
        ).all()
    assert bodies == [(None, "delivered")]


def test_signing_in_again_finds_the_same_account(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    proxy = call()
    proxy.request_sign_in_code({"phone": PHONE})
    first = proxy.sign_in({"phone": PHONE, "code": code_from_sink(proxy, PHONE)})
    with citizen_db.begin() as conn:  # the resend interval passes
        conn.execute(text("UPDATE sign_in_codes SET last_sent_at = now() - interval '2 minutes'"))
    proxy.request_sign_in_code({"phone": PHONE})
    second = proxy.sign_in({"phone": PHONE, "code": code_from_sink(proxy, PHONE, seen=1)})
    assert second["registered"] is False
    assert second["citizen_id"] == first["citizen_id"]

    profile = call(Actor(kind=ActorKind.CITIZEN, id=first["citizen_id"])).my_profile()
    assert profile["phone"] == "138****8000"
    assert profile["identity_verified"] is False


def test_wrong_guesses_spend_the_code(call: Callable[..., Any], citizen_db: Engine) -> None:
    proxy = call()
    proxy.request_sign_in_code({"phone": PHONE})
    code = code_from_sink(proxy, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(RemoteError) as refused:
            proxy.sign_in({"phone": PHONE, "code": wrong})
        assert refused.value.exc_type == "Unauthenticated"
    with pytest.raises(RemoteError) as refused:
        proxy.sign_in({"phone": PHONE, "code": code})
    assert refused.value.exc_type == "Unauthenticated"


def test_another_code_too_soon_is_refused_with_the_wait(call: Callable[..., Any]) -> None:
    proxy = call()
    proxy.request_sign_in_code({"phone": PHONE})
    with pytest.raises(RemoteError) as refused:
        proxy.request_sign_in_code({"phone": PHONE})
    assert refused.value.exc_type == "RateLimited"
    # the wait itself reaches a client as Retry-After (the gateway's end-to-end tests)


def test_a_malformed_number_is_refused(call: Callable[..., Any]) -> None:
    with pytest.raises(RemoteError) as refused:
        call().request_sign_in_code({"phone": "12345"})
    assert refused.value.exc_type == "ValidationFailed"


def test_only_a_citizen_has_a_profile(call: Callable[..., Any]) -> None:
    officer = Actor(kind=ActorKind.OFFICER, id="o-1", unit="futian", scope="sz/futian")
    with pytest.raises(RemoteError) as refused:
        call(officer).my_profile()
    assert refused.value.exc_type == "Forbidden"
