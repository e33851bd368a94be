from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jwt
import pytest
from argon2 import PasswordHasher

from chassis import signing as keys
from chassis.secrets import Passwords
from chassis.signing import TokenPolicy, access_token_claims, sign
from contracts.identity import UnitLevel
from services.management.domain.identity import (
    IdentityRuleBroken,
    check_roles,
    scope_for,
    unit_path,
)
from services.management.domain.ledger import canonical_entry, keyed_digest

FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_units_nest_city_branch_station() -> None:
    assert unit_path(UnitLevel.CITY, "sz", None) == "sz"
    assert unit_path(UnitLevel.BRANCH, "futian", (UnitLevel.CITY, "sz")) == "sz/futian"
    assert unit_path(UnitLevel.STATION, "f1", (UnitLevel.BRANCH, "sz/futian")) == "sz/futian/f1"
    with pytest.raises(IdentityRuleBroken):
        unit_path(UnitLevel.STATION, "f1", (UnitLevel.CITY, "sz"))
    with pytest.raises(IdentityRuleBroken):
        unit_path(UnitLevel.CITY, "x", (UnitLevel.CITY, "sz"))
    with pytest.raises(IdentityRuleBroken):
        unit_path(UnitLevel.BRANCH, "futian", None)


def test_a_station_officer_sees_their_branch_and_city_wide_roles_see_the_city() -> None:
    assert scope_for("sz/futian/f1", ["officer"]) == "sz/futian"
    assert scope_for("sz/futian", ["supervisor"]) == "sz/futian"
    assert scope_for("sz/futian/f1", ["auditor"]) == "sz"
    assert scope_for("sz", ["officer"]) == "sz"


def test_unknown_roles_are_refused() -> None:
    assert check_roles(["officer", "officer", "admin"]) == ["admin", "officer"]
    with pytest.raises(IdentityRuleBroken):
        check_roles(["root"])


def test_passwords_verify_and_unknown_users_fail_the_same_way() -> None:
    stored = FAST.hash("a long pass phrase")
    assert FAST.verify(stored, "a long pass phrase")
    assert not FAST.verify(stored, "a wrong pass phrase")
    assert not FAST.verify(None, "a long pass phrase")
    assert not FAST.verify("not-a-hash", "x")


def test_tokens_carry_the_claims_and_headers_the_gateway_checks() -> None:
    key = keys.generate_private_key()
    claims = access_token_claims(
        policy=TokenPolicy("https://issuer", timedelta(minutes=15)),
        subject="o-1",
        kind="officer",
        jti="j-1",
        now=NOW,
        roles=["officer"],
        unit="f1",
        scope="sz/futian",
    )
    token = sign(claims, key, "k1")
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"], header["kid"]) == ("ES256", "at+jwt", "k1")
    assert claims["exp"] - claims["iat"] == 900
    public = jwt.PyJWK(keys.public_jwk(key, "k1")).key
    decoded = jwt.decode(
        token,
        public,
        algorithms=["ES256"],
        audience="smart-policing",
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert decoded["scope"] == "sz/futian"
    assert "d" not in keys.public_jwk(key, "k1")


def test_private_keys_round_trip_only_with_the_passphrase() -> None:
    key = keys.generate_private_key()
    pem = keys.encrypt_private_key(key, b"passphrase")
    assert b"ENCRYPTED" in pem
    assert keys.decrypt_private_key(pem, b"passphrase").private_numbers() == key.private_numbers()
    with pytest.raises(ValueError):
        keys.decrypt_private_key(pem, b"wrong")


def test_subject_digests_are_keyed_and_entries_canonical() -> None:
    assert keyed_digest(b"k1", "粤T12345") != keyed_digest(b"k2", "粤T12345")
    common: dict[str, Any] = dict(
        index=3,
        record_id="r",
        producer="gateway",
        trace_id=None,
        actor={"id": "o", "kind": "officer"},
        operation="op",
        outcome="allowed",
        purpose=None,
        case_id=None,
        subject_digest=None,
        details_digest=None,
        http_status=200,
    )
    utc = canonical_entry(occurred_at=NOW, **common)
    shanghai = canonical_entry(occurred_at=NOW.astimezone(ZoneInfo("Asia/Shanghai")), **common)
    assert utc == shanghai  # one instant, one entry, whatever the session's time zone
