"""Access-token verification at the gateway, and the revocation list kept current by events.

Only ES256 tokens of type `at+jwt` from the configured issuer and audience pass; `alg=none`,
other algorithms, unknown keys, tampered, expired and revoked tokens are refused alike (401).
Keys come from management's JWKS and are refreshed when an unknown key id appears (at most
every `jwks_refresh_min_interval_s`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from contracts.actor import Actor, ActorKind, Purpose
from contracts.errors import Unauthenticated
from contracts.identity import (
    AUDIENCE,
    OFFICER_TOKENS_REVOKED,
    TOKEN_REVOKED,
    TOKEN_TYPE,
    OfficerTokensRevoked,
    Revocations,
    RevokedToken,
)

ALGORITHM = "ES256"
REFUSED = "invalid or expired access token"


@dataclass(frozen=True)
class Principal:
    """Who a verified token says is calling."""

    kind: ActorKind
    id: str
    roles: tuple[str, ...]
    unit: str | None
    scope: str | None
    pillar: str | None
    jti: str
    expires_at: datetime

    def actor(
        self,
        *,
        purpose: Purpose | None = None,
        case_id: str | None = None,
        on_behalf_of: str | None = None,
    ) -> Actor:
        return Actor(
            kind=self.kind,
            id=self.id,
            on_behalf_of=on_behalf_of,
            unit=self.unit,
            scope=self.scope,
            roles=self.roles,
            purpose=purpose,
            case_id=case_id,
        )


@dataclass
class RevocationList:
    tokens: dict[str, float] = field(default_factory=dict)  # jti -> expiry (epoch seconds)
    officers_not_before: dict[str, float] = field(default_factory=dict)

    def load(self, snapshot: Revocations) -> None:
        for token in snapshot.tokens:
            self.revoke_token(token)
        for officer in snapshot.officers:
            self.revoke_officer(officer)

    def revoke_token(self, token: RevokedToken) -> None:
        self.tokens[token.jti] = token.expires_at.timestamp()

    def revoke_officer(self, revoked: OfficerTokensRevoked) -> None:
        at = revoked.not_before.timestamp()
        self.officers_not_before[revoked.officer_id] = max(
            at, self.officers_not_before.get(revoked.officer_id, 0.0)
        )

    def apply_event(self, event_type: str, payload: dict[str, Any]) -> None:
        if event_type == TOKEN_REVOKED:
            self.revoke_token(RevokedToken.model_validate(payload))
        elif event_type == OFFICER_TOKENS_REVOKED:
            self.revoke_officer(OfficerTokensRevoked.model_validate(payload))

    def is_revoked(self, jti: str, subject: str, issued_at: float) -> bool:
        if jti in self.tokens:
            return True
        # iat has whole seconds: a token from the second of the revocation counts as revoked
        not_before = self.officers_not_before.get(subject)
        return not_before is not None and issued_at <= not_before

    def forget_expired(self, now: float) -> None:
        self.tokens = {jti: exp for jti, exp in self.tokens.items() if exp > now}


OFFICIAL_KINDS = frozenset({ActorKind.OFFICER, ActorKind.SERVICE_ACCOUNT})


def issuer_of(token: str) -> str | None:
    """The issuer a token claims, unverified: which verifier is to check it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


@dataclass
class TokenVerifier:
    """Verifies one issuer's tokens: officers' and service accounts' from management, or
    citizens' from the citizen service (each its own audience and kinds)."""

    issuer: str
    fetch_jwks: Callable[[], Awaitable[dict[str, Any]]]
    audience: str = AUDIENCE
    kinds: frozenset[ActorKind] = OFFICIAL_KINDS
    leeway_s: int = 5
    refresh_min_interval_s: float = 5.0
    revocations: RevocationList = field(default_factory=RevocationList)
    clock: Callable[[], float] = time.time
    max_remembered: int = 50_000
    _verified: dict[str, tuple[Principal, float]] = field(default_factory=dict)
    _keys: dict[str, Any] = field(default_factory=dict)
    _jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    _refreshed_at: float = float("-inf")

    @property
    def jwks(self) -> dict[str, Any]:
        return self._jwks

    async def refresh_keys(self) -> None:
        self._refreshed_at = time.monotonic()
        jwks = await self.fetch_jwks()
        self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if k.get("kid")}
        self._jwks = {"keys": list(jwks.get("keys", []))}

    async def _key(self, kid: str) -> Any:
        if kid not in self._keys and (
            time.monotonic() - self._refreshed_at >= self.refresh_min_interval_s
        ):
            await self.refresh_keys()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated(REFUSED)
        return key

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token, or Unauthenticated.

        A signature, once verified, stays verified: verified tokens are remembered (by their
        exact bytes) until they expire, so a busy officer's every request does not pay for an
        ECDSA verification. Expiry and revocation are checked on every request all the same.
        """
        remembered = self._verified.get(token)
        if remembered is None:
            remembered = await self._verify_signature(token)
            if len(self._verified) >= self.max_remembered:
                self._verified.clear()
            self._verified[token] = remembered
        principal, issued_at = remembered
        if principal.expires_at.timestamp() + self.leeway_s <= self.clock():
            self._verified.pop(token, None)
            raise Unauthenticated(REFUSED)
        if self.revocations.is_revoked(principal.jti, principal.id, issued_at):
            raise Unauthenticated(REFUSED)
        return principal

    async def _verify_signature(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated(REFUSED) from None
        if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
            raise Unauthenticated(REFUSED)
        key = await self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "nbf", "jti", "sub", "iss", "aud"]},
            )
            kind = ActorKind(str(claims.get("kind")))
        except (jwt.PyJWTError, ValueError):
            raise Unauthenticated(REFUSED) from None
        if kind not in self.kinds:
            raise Unauthenticated(REFUSED)
        principal = Principal(
            kind=kind,
            id=claims["sub"],
            roles=tuple(claims.get("roles", ())),
            unit=claims.get("unit"),
            scope=claims.get("scope"),
            pillar=claims.get("pillar"),
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
        return principal, float(claims["iat"])
