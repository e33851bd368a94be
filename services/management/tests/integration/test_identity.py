"""Identity in the management service: units, officers, tokens, scope and revocation."""

from __future__ import annotations

from typing import Any

import jwt
import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.identity import AUDIENCE, OFFICER_TOKENS_REVOKED, TOKEN_REVOKED

PASSWORD = "correct horse battery staple"


def seed_city(proxy: Any) -> None:
    proxy.create_unit({"id": "sz", "name": "City bureau", "level": "city"})
    for branch in ("futian", "nanshan"):
        proxy.create_unit({"id": branch, "name": branch, "level": "branch", "parent_id": "sz"})
        station = {"id": f"{branch}-1", "name": branch, "level": "station", "parent_id": branch}
        proxy.create_unit(station)
    for officer_id, unit, roles in (
        ("o-futian", "futian-1", ["officer"]),
        ("o-nanshan", "nanshan-1", ["officer"]),
        ("o-admin", "sz", ["admin"]),
    ):
        proxy.create_officer(
            {
                "id": officer_id,
                "username": officer_id,
                "display_name": f"Officer {officer_id}",
                "unit_id": unit,
                "roles": roles,
                "password": PASSWORD,
            }
        )


def claims_of(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    key = jwt.PyJWK(jwk).key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE)
    return claims


def test_an_officer_gets_a_signed_short_lived_token_carrying_unit_and_scope(call: Any) -> None:
    proxy = call()
    seed_city(proxy)

    grant = proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})
    header = jwt.get_unverified_header(grant["access_token"])
    claims = claims_of(grant["access_token"], proxy.jwks())

    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    assert claims["sub"] == "o-futian"
    assert claims["unit"] == "futian-1"
    assert claims["scope"] == "sz/futian"
    assert claims["roles"] == ["officer"]
    assert claims["exp"] - claims["iat"] == grant["expires_in"] == 900
    assert claims["jti"]
    admin_grant = proxy.issue_officer_token({"username": "o-admin", "password": PASSWORD})
    assert claims_of(admin_grant["access_token"], proxy.jwks())["scope"] == "sz"


@pytest.mark.parametrize(
    "grant",
    [
        {"username": "o-futian", "password": "wrong password!!"},
        {"username": "nobody-here", "password": PASSWORD},
    ],
)
def test_wrong_password_and_unknown_officer_are_refused_alike(call: Any, grant: dict) -> None:
    proxy = call()
    seed_city(proxy)
    with pytest.raises(RemoteError) as refused:
        proxy.issue_officer_token(grant)
    assert refused.value.exc_type == "Unauthenticated"
    assert "invalid credentials" in str(refused.value)


def test_another_branchs_officer_record_is_not_found(call: Any) -> None:
    seed_city(call())
    futian = Actor(kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", scope="sz/futian")

    assert call(futian).get_officer("o-futian")["display_name"] == "Officer o-futian"
    with pytest.raises(RemoteError) as hidden:
        call(futian).get_officer("o-nanshan")
    assert hidden.value.exc_type == "NotFound"
    city = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
    assert call(city).get_officer("o-nanshan")["id"] == "o-nanshan"
    listed = call(futian).list_officers({"limit": 10})
    assert [o["id"] for o in listed["items"]] == ["o-futian"]


def test_a_unit_must_hang_under_the_right_level_and_roles_must_be_known(call: Any) -> None:
    proxy = call()
    seed_city(proxy)
    with pytest.raises(RemoteError) as wrong_parent:
        proxy.create_unit({"id": "x-1", "name": "x", "level": "station", "parent_id": "sz"})
    assert wrong_parent.value.exc_type == "ValidationFailed"
    with pytest.raises(RemoteError) as unknown_role:
        proxy.create_officer(
            {
                "id": "o-x",
                "username": "o-x",
                "display_name": "X",
                "unit_id": "sz",
                "roles": ["superuser"],
                "password": PASSWORD,
            }
        )
    assert unknown_role.value.exc_type == "ValidationFailed"
    with pytest.raises(RemoteError) as duplicate:
        proxy.create_unit({"id": "sz", "name": "again", "level": "city"})
    assert duplicate.value.exc_type == "Conflict"


def test_revocations_are_recorded_and_announced_through_the_outbox(
    call: Any, management_db: Engine
) -> None:
    proxy = call()
    seed_city(proxy)
    proxy.revoke_token({"jti": "abc123", "expires_at": "2099-01-01T00:00:00+00:00"})
    proxy.revoke_officer_tokens("o-nanshan")

    listed = proxy.revocations()
    assert [t["jti"] for t in listed["tokens"]] == ["abc123"]
    assert [o["officer_id"] for o in listed["officers"]] == ["o-nanshan"]
    with management_db.connect() as conn:
        types = [orjson.loads(e)["type"] for e in conn.execute(select(outbox.c.envelope)).scalars()]
    assert sorted(types) == sorted([TOKEN_REVOKED, OFFICER_TOKENS_REVOKED])


def test_a_rotated_key_signs_new_tokens_and_the_old_key_stays_published(call: Any) -> None:
    proxy = call()
    seed_city(proxy)
    old = proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})["access_token"]
    new_kid = proxy.rotate_signing_key()["kid"]
    new = proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})["access_token"]

    jwks = proxy.jwks()
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    assert len(jwks["keys"]) == 2
    assert claims_of(old, jwks)["sub"] == claims_of(new, jwks)["sub"] == "o-futian"
