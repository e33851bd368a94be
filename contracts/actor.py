"""Who is acting, for which unit, and why: travels with every RPC call and event."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Purpose(StrEnum):
    """Catalogue of declared purposes of use. Personal data is served only for one of these."""

    CRIMINAL_INVESTIGATION = "criminal_investigation"
    EMERGENCY_RESPONSE = "emergency_response"
    TRAFFIC_ENFORCEMENT = "traffic_enforcement"
    MISSING_PERSON = "missing_person"
    CITIZEN_SERVICE = "citizen_service"
    PATROL_AND_PREVENTION = "patrol_and_prevention"
    AUDIT_OVERSIGHT = "audit_oversight"
    SYSTEM_OPERATIONS = "system_operations"


#: Purposes that only make sense inside a case: a read under them must name the case.
PURPOSES_NEEDING_CASE: frozenset[Purpose] = frozenset(
    {Purpose.CRIMINAL_INVESTIGATION, Purpose.MISSING_PERSON}
)


class ActorKind(StrEnum):
    OFFICER = "officer"
    SERVICE_ACCOUNT = "service_account"
    CITIZEN = "citizen"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"  # a request before authentication (a login attempt)
    #: a registered sensor (checkpoint, camera, gate) speaking for itself with its credential
    DEVICE = "device"


class Actor(BaseModel):
    """The actor context carried as `nameko.actor` on RPC calls and in every event envelope.

    A service account never reads personal data on its own: `on_behalf_of` names the officer.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActorKind
    id: str = Field(min_length=1, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=64)
    #: path of the unit subtree whose objects this actor may see (`city/branch`); the root for
    #: city-wide roles; None sees nothing unit-scoped
    scope: str | None = Field(default=None, max_length=400)
    roles: tuple[str, ...] = ()
    purpose: Purpose | None = None
    case_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _case_when_purpose_needs_it(self) -> Actor:
        if self.purpose in PURPOSES_NEEDING_CASE and not self.case_id:
            raise ValueError(f"purpose {self.purpose} needs a case_id")
        return self

    @property
    def accountable_officer(self) -> str | None:
        """The officer answerable for this action, if any."""
        if self.kind is ActorKind.OFFICER:
            return self.id
        return self.on_behalf_of


SYSTEM_ACTOR = Actor(kind=ActorKind.SYSTEM, id="platform")
ANONYMOUS_ACTOR = Actor(kind=ActorKind.ANONYMOUS, id="anonymous")


def in_scope(scope: str | None, unit_path: str) -> bool:
    """Whether an object belonging to `unit_path` lies inside the actor's `scope` subtree."""
    if not scope:
        return False
    return unit_path == scope or unit_path.startswith(scope + "/")
