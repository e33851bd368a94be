"""Identity rules: unit paths, visibility scope and roles (password hashing is the chassis's
`secrets`, token claims and signing its `signing`)."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.identity import CITY_WIDE_ROLES, ROLES, UnitLevel

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
