"""Signing keys for access tokens: ES256, private keys stored encrypted, public keys as JWKs.

Shared by the two token issuers (management for officers and service accounts, the citizen
service for citizens); each keeps its own keys in its own schema."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from contracts.identity import AUDIENCE, TOKEN_TYPE

SIGNING_ALGORITHM = "ES256"


def new_kid() -> str:
    return secrets.token_urlsafe(12)


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_private_key(pem: bytes, passphrase: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=passphrase)


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": SIGNING_ALGORITHM, "use": "sig"}


def sign(claims: dict[str, Any], private_key: Any, kid: str) -> str:
    return jwt.encode(
        claims, private_key, algorithm=SIGNING_ALGORITHM, headers={"kid": kid, "typ": TOKEN_TYPE}
    )


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    ttl: timedelta
    audience: str = AUDIENCE


def access_token_claims(
    *,
    policy: TokenPolicy,
    subject: str,
    kind: str,
    jti: str,
    now: datetime,
    roles: Iterable[str],
    unit: str | None = None,
    scope: str | None = None,
    pillar: str | None = None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": subject,
        "kind": kind,
        "jti": jti,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + policy.ttl).timestamp()),
        "roles": sorted(roles),
    }
    for name, value in (("unit", unit), ("scope", scope), ("pillar", pillar)):
        if value is not None:
            claims[name] = value
    return claims
