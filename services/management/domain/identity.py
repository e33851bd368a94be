"""Identity rules: unit paths, visibility scope, passwords and access tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from contracts.identity import AUDIENCE, CITY_WIDE_ROLES, ROLES, UnitLevel

_PARENT_LEVELS: dict[UnitLevel, frozenset[UnitLevel]] = {
    UnitLevel.CITY: frozenset(),
    UnitLevel.BRANCH: frozenset({UnitLevel.CITY}),
    UnitLevel.STATION: frozenset({UnitLevel.BRANCH}),
    UnitLevel.DEPARTMENT: frozenset({UnitLevel.CITY, UnitLevel.BRANCH}),
}


class IdentityRuleBroken(ValueError):
    """An identity rule refused the request; the message says which, without personal data."""


def unit_path(level: UnitLevel, unit_id: str, parent: tuple[UnitLevel, str] | None) -> str:
    """City → branch → station, and departments of the city or a branch; a unit's path is its
    ancestors' ids and its own."""
    allowed = _PARENT_LEVELS[level]
    if not allowed:
        if parent is not None:
            raise IdentityRuleBroken("a city bureau has no parent unit")
        return unit_id
    if parent is None or parent[0] not in allowed:
        names = " or ".join(sorted(str(a) for a in allowed))
        raise IdentityRuleBroken(f"a {level} unit belongs to a {names} unit")
    return f"{parent[1]}/{unit_id}"


def scope_for(path: str, roles: Iterable[str]) -> str:
    """The subtree an officer sees: the city for city-wide roles, else their branch."""
    segments = path.split("/")
    if CITY_WIDE_ROLES.intersection(roles) or len(segments) == 1:
        return segments[0]
    return "/".join(segments[:2])


def check_roles(roles: Iterable[str]) -> list[str]:
    unknown = sorted(set(roles) - ROLES)
    if unknown:
        raise IdentityRuleBroken(f"unknown roles: {', '.join(unknown)}")
    return sorted(set(roles))


class Passwords:
    """argon2id hashing; verifying an unknown user costs as much as a known one."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash("not a real password, only spends the same time")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    ttl: timedelta


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
        "aud": AUDIENCE,
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
