"""Tokens a test makes itself: expired, unsigned, signed with the wrong key, tampered."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, text

from chassis.signing import decrypt_private_key
from chassis.testing.infra import DATABASE_URL
from services.management.settings import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def management_key(schema_prefix: str) -> tuple[str, Any]:
    """The active signing key, as someone who stole the database and the passphrase would."""
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    f'SELECT kid, private_pem FROM "{schema_prefix}management".signing_keys '
                    "WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
                )
            ).one()
    finally:
        engine.dispose()
    passphrase = Settings().signing_key_passphrase.get_secret_value().encode()
    return row.kid, decrypt_private_key(bytes(row.private_pem), passphrase)


def signed(claims: dict[str, Any], key: Any, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


def expired(token: str, schema_prefix: str) -> str:
    kid, key = management_key(schema_prefix)
    now = int(time.time())
    return signed(
        {**claims_of(token), "iat": now - 3600, "nbf": now - 3600, "exp": now - 600}, key, kid
    )


def unsigned(token: str) -> str:
    header = {"alg": "none", "typ": "at+jwt", "kid": jwt.get_unverified_header(token)["kid"]}
    return f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims_of(token)))}."


def wrong_key(token: str) -> str:
    impostor = ec.generate_private_key(ec.SECP256R1())
    return signed(claims_of(token), impostor, jwt.get_unverified_header(token)["kid"])


def tampered(token: str) -> str:
    header, _, signature = token.split(".")
    claims = {**claims_of(token), "roles": ["admin"], "scope": "sz"}
    return f"{header}.{_b64(orjson.dumps(claims))}.{signature}"
