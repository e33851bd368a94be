"""Gateway rules that need no broker: rate limits, the matrix, the revocation list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.actor import ActorKind
from contracts.identity import OFFICER_TOKENS_REVOKED, TOKEN_REVOKED
from gateway.auth import Principal, RevocationList
from gateway.authz import Matrix, OperationRule
from gateway.ratelimit import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_s=2, burst=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(0.5)
    assert limiter.acquire("b") == 0.0  # another principal has its own bucket
    clock.now = 0.5
    assert limiter.acquire("a") == 0.0
    assert retry_after_header(0.2) == "1"


def principal(
    kind: ActorKind = ActorKind.OFFICER,
    roles: tuple[str, ...] = ("officer",),
    pillar: str | None = None,
) -> Principal:
    return Principal(
        kind=kind,
        id="p",
        roles=roles,
        unit=None,
        scope=None,
        pillar=pillar,
        jti="j",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_the_matrix_checks_roles_and_confines_service_accounts_to_their_pillar() -> None:
    rule = OperationRule("x.read", pillar="warning", roles=frozenset({"officer"}))
    anyone = OperationRule("x.any", pillar="warning", roles=frozenset({"*"}))
    matrix = Matrix({"x.read": rule, "x.any": anyone})
    assert matrix.allows(principal(), rule)
    assert not matrix.allows(principal(roles=("analyst",)), rule)
    assert matrix.allows(principal(roles=("analyst",)), anyone)
    assert matrix.allows(principal(ActorKind.SERVICE_ACCOUNT, pillar="warning"), rule)
    assert not matrix.allows(principal(ActorKind.SERVICE_ACCOUNT, pillar="citizen"), rule)


def test_the_matrix_file_refuses_unknown_keys_and_public_rules_with_roles(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[operations."a.b"]\npillar = "x"\nrole = ["admin"]\n')
    with pytest.raises(ValueError, match="unknown keys"):
        Matrix.load(bad)
    bad.write_text('[operations."a.b"]\npillar = "x"\npublic = true\nroles = ["admin"]\n')
    with pytest.raises(ValueError, match="public"):
        Matrix.load(bad)
    assert "auth.token" in Matrix.load().operations


def test_revocations_by_token_and_by_officer() -> None:
    revoked = RevocationList()
    revoked.apply_event(TOKEN_REVOKED, {"jti": "j1", "expires_at": "2030-01-01T00:00:00+00:00"})
    revoked.apply_event(
        OFFICER_TOKENS_REVOKED, {"officer_id": "o-1", "not_before": "2026-11-29T08:00:00+00:00"}
    )
    at = datetime(2026, 11, 29, 8, 0, tzinfo=UTC).timestamp()
    assert revoked.is_revoked("j1", "o-9", at + 100)
    assert revoked.is_revoked("j2", "o-1", at - 1)
    assert revoked.is_revoked("j2", "o-1", at)  # same second as the revocation
    assert not revoked.is_revoked("j2", "o-1", at + 1)
    revoked.forget_expired(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
    assert not revoked.is_revoked("j1", "o-9", at + 100)


async def test_a_remembered_token_still_expires_and_can_still_be_revoked() -> None:
    import time as clock_module

    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    from contracts.errors import Unauthenticated
    from gateway.auth import TokenVerifier

    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**ECAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "ES256"}
    now = [clock_module.time()]

    async def fetch() -> dict:
        return {"keys": [jwk]}

    verifier = TokenVerifier(issuer="iss", fetch_jwks=fetch, leeway_s=0, clock=lambda: now[0])
    claims = {
        "iss": "iss",
        "aud": "smart-policing",
        "sub": "o-1",
        "kind": "officer",
        "jti": "j-1",
        "iat": int(now[0]),
        "nbf": int(now[0]),
        "exp": int(now[0]) + 60,
    }
    token = pyjwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1", "typ": "at+jwt"})

    assert (await verifier.verify(token)).id == "o-1"
    assert (await verifier.verify(token)).id == "o-1"  # remembered
    verifier.revocations.apply_event(
        TOKEN_REVOKED, {"jti": "j-1", "expires_at": "2099-01-01T00:00:00+00:00"}
    )
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)
    verifier.revocations.tokens.clear()
    now[0] += 120
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)
