"""Citizens through the gateway: sign-in by phone and code, and their tokens kept to
citizens' operations."""

from __future__ import annotations

import secrets

from demo import drive
from tests.support.platform import Gateway


def new_phone() -> str:
    return f"139{secrets.randbelow(10**8):08d}"


async def test_a_citizen_signs_in_with_a_code_and_sees_their_profile(gateway: Gateway) -> None:
    operator = await gateway.token("o-operator")
    phone = new_phone()
    grant = await drive.sign_in_citizen(gateway.client, phone, operator)
    assert grant["registered"] is True

    me = await gateway.client.get(
        "/api/v1/citizen/me", headers=drive.headers(grant["access_token"])
    )
    assert me.status_code == 200, me.text
    assert me.json()["phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert me.json()["citizen_id"] == grant["citizen_id"]


async def test_a_citizen_token_on_an_officer_route_is_forbidden(gateway: Gateway) -> None:
    operator = await gateway.token("o-operator")
    citizen = (await drive.sign_in_citizen(gateway.client, new_phone(), operator))["access_token"]
    for path in ("/api/v1/management/officers", "/api/v1/warning/alerts", "/api/v1/data/places"):
        response = await gateway.client.get(path, headers=drive.headers(citizen))
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "forbidden"


async def test_an_officer_token_on_a_citizens_route_is_forbidden(gateway: Gateway) -> None:
    officer = await gateway.token("o-futian")
    response = await gateway.client.get("/api/v1/citizen/me", headers=drive.headers(officer))
    assert response.status_code == 403


async def test_codes_asked_too_often_answer_429_with_retry_after(gateway: Gateway) -> None:
    phone = new_phone()
    first = await gateway.client.post("/api/v1/citizen/auth/codes", json={"phone": phone})
    assert first.status_code == 202
    again = await gateway.client.post("/api/v1/citizen/auth/codes", json={"phone": phone})
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= 60
    assert again.json()["code"] == "rate_limited"


async def test_a_wrong_code_is_401_and_a_bad_number_422(gateway: Gateway) -> None:
    operator = await gateway.token("o-operator")
    phone = new_phone()
    await gateway.client.post("/api/v1/citizen/auth/codes", json={"phone": phone})

    async def sent_code() -> str | None:
        response = await gateway.client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": phone},
            headers=drive.headers(operator),
        )
        return response.json()[0]["body"] if response.json() else None

    body = await drive.until(sent_code, "the code in the sink")
    wrong = next(c for c in ("111111", "222222") if c not in body)
    refused = await gateway.client.post(
        "/api/v1/citizen/auth/token", json={"phone": phone, "code": wrong}
    )
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    bad = await gateway.client.post("/api/v1/citizen/auth/codes", json={"phone": "555"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "phone"
