"""The role × operation matrix (authorization.toml) and its checks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from contracts.actor import ActorKind
from gateway.auth import Principal

MATRIX_FILE = Path(__file__).with_name("authorization.toml")
ANY_ROLE = "*"


@dataclass(frozen=True)
class OperationRule:
    operation: str
    pillar: str
    public: bool = False
    roles: frozenset[str] = frozenset()
    personal_data: bool = False
    #: a citizen's own operation: only citizen tokens reach it, and they reach nothing else
    citizens: bool = False
    #: devices may call it with their credential (besides the roles listed, if any); devices
    #: reach nothing else
    devices: bool = False


class Matrix:
    def __init__(self, rules: dict[str, OperationRule]) -> None:
        self._rules = dict(rules)

    @classmethod
    def load(cls, path: Path = MATRIX_FILE) -> Matrix:
        raw = tomllib.loads(path.read_text())
        rules = {}
        for operation, spec in raw.get("operations", {}).items():
            unknown = set(spec) - {
                "public",
                "roles",
                "pillar",
                "personal_data",
                "citizens",
                "devices",
            }
            if unknown:
                raise ValueError(f"{operation}: unknown keys {sorted(unknown)}")
            if spec.get("public") and spec.get("roles"):
                raise ValueError(f"{operation}: a public operation lists no roles")
            if spec.get("citizens") and (spec.get("roles") or spec.get("personal_data")):
                raise ValueError(f"{operation}: a citizens' operation lists no officer roles")
            rules[operation] = OperationRule(
                operation=operation,
                pillar=spec["pillar"],
                public=bool(spec.get("public", False)),
                roles=frozenset(spec.get("roles", ())),
                personal_data=bool(spec.get("personal_data", False)),
                citizens=bool(spec.get("citizens", False)),
                devices=bool(spec.get("devices", False)),
            )
        return cls(rules)

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._rules)

    def rule(self, operation: str) -> OperationRule | None:
        return self._rules.get(operation)

    def add(self, rule: OperationRule) -> None:
        """For tests that register their own routes."""
        self._rules[rule.operation] = rule

    def allows(self, principal: Principal, rule: OperationRule) -> bool:
        if rule.public:
            return True
        if principal.kind is ActorKind.CITIZEN or rule.citizens:
            return principal.kind is ActorKind.CITIZEN and rule.citizens
        if principal.kind is ActorKind.DEVICE:
            return rule.devices
        if principal.kind is ActorKind.SERVICE_ACCOUNT and principal.pillar != rule.pillar:
            return False
        return ANY_ROLE in rule.roles or bool(rule.roles.intersection(principal.roles))
