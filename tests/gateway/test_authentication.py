"""Tokens at the gateway: only a valid, unrevoked ES256 token from management passes."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.gateway import forgery
from tests.support.platform import Gateway, Platform

OWN_RECORD = "/api/v1/management/officers/o-futian"
PURPOSE = {"X-Purpose": "patrol_and_prevention"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **PURPOSE}


async def status_with(gateway: Gateway, token: str) -> int:
    return (await gateway.client.get(OWN_RECORD, headers=bearer(token))).status_code


async def test_a_request_without_a_token_is_unauthenticated(gateway: Gateway) -> None:
    response = await gateway.client.get(OWN_RECORD, headers=PURPOSE)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("forge", ["expired", "unsigned", "wrong_key", "tampered", "garbage"])
async def test_forged_and_expired_tokens_are_unauthenticated(
    gateway: Gateway, platform: Platform, forge: str
) -> None:
    token = await gateway.token("o-futian")
    assert await status_with(gateway, token) == 200
    bad = {
        "expired": lambda: forgery.expired(token, platform.schema_prefix),
        "unsigned": lambda: forgery.unsigned(token),
        "wrong_key": lambda: forgery.wrong_key(token),
        "tampered": lambda: forgery.tampered(token),
        "garbage": lambda: "not.a.token",
    }[forge]()
    response = await gateway.client.get(OWN_RECORD, headers=bearer(bad))
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or expired access token"


async def test_a_wrong_password_gets_no_token(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "o-futian", "password": "guessing games"},
    )
    assert response.status_code == 401
    assert "access_token" not in response.text


async def test_a_revoked_token_is_refused_once_the_revocation_event_arrives(
    gateway: Gateway,
) -> None:
    token = await gateway.token("o-futian-2")
    other = await gateway.token("o-futian-2")
    assert await status_with(gateway, token) == 200

    revoked = await gateway.client.post("/api/v1/auth/revoke", headers=bearer(token))
    assert revoked.status_code == 204

    deadline = time.monotonic() + 10
    while await status_with(gateway, token) != 401:
        assert time.monotonic() < deadline, "revocation never reached the gateway"
        await asyncio.sleep(0.05)
    assert await status_with(gateway, other) == 200  # only that token was revoked


async def test_an_administrator_revokes_every_token_of_an_officer(gateway: Gateway) -> None:
    officer = await gateway.token("o-nanshan")
    admin = await gateway.token("o-admin")
    own = {"Authorization": f"Bearer {officer}", **PURPOSE}
    assert (
        await gateway.client.get("/api/v1/management/officers/o-nanshan", headers=own)
    ).status_code == 200

    not_allowed = await gateway.client.post(
        "/api/v1/auth/revoke", json={"officer_id": "o-futian"}, headers=own
    )
    assert not_allowed.status_code == 403
    response = await gateway.client.post(
        "/api/v1/auth/revoke", json={"officer_id": "o-nanshan"}, headers=bearer(admin)
    )
    assert response.status_code == 204

    deadline = time.monotonic() + 10
    while (
        await gateway.client.get("/api/v1/management/officers/o-nanshan", headers=own)
    ).status_code != 401:
        assert time.monotonic() < deadline, "officer revocation never reached the gateway"
        await asyncio.sleep(0.05)
    # a token issued after the revocation works (tokens of its very second count as revoked)
    deadline = time.monotonic() + 10
    while True:
        fresh = {"Authorization": f"Bearer {await gateway.token('o-nanshan')}", **PURPOSE}
        response = await gateway.client.get("/api/v1/management/officers/o-nanshan", headers=fresh)
        if response.status_code == 200:
            break
        assert time.monotonic() < deadline, "no fresh token works after the revocation"
        await asyncio.sleep(0.1)


async def test_keys_are_published_and_a_rotated_key_still_verifies_old_tokens(
    gateway: Gateway,
) -> None:
    old = await gateway.token("o-futian")
    admin = await gateway.token("o-admin")
    rotated = await gateway.client.post(
        "/api/v1/management/signing-keys:rotate", headers=bearer(admin)
    )
    assert rotated.status_code == 200
    new = await gateway.token("o-futian")
    jwks = (await gateway.client.get("/.well-known/jwks.json")).json()
    kids = {k["kid"] for k in jwks["keys"]}
    assert rotated.json()["kid"] in kids and len(kids) >= 2
    assert all("d" not in k for k in jwks["keys"]), "a private key component was published"
    assert await status_with(gateway, old) == 200
    assert await status_with(gateway, new) == 200
