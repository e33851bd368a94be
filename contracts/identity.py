"""Identity contracts: units, officers, service accounts, tokens and revocation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
Password = Annotated[str, Field(min_length=12, max_length=256)]
Secret = Annotated[str, Field(min_length=1, max_length=256)]

TOKEN_TYPE = "at+jwt"  # RFC 9068 access-token header `typ`
AUDIENCE = "smart-policing"

#: roles every deployment knows; the authorisation matrix (gateway) maps them to operations
ROLES: frozenset[str] = frozenset(
    {
        "admin",  # identity and platform administration, city-wide
        "auditor",  # reads the ledger and traces, city-wide
        "operator",  # dead letters, outbox backlog, city-wide
        "supervisor",  # authorises sensitive work within the unit
        "officer",  # front-line work within the unit
        "investigator",  # cases within the unit
        "dispatcher",
        "analyst",
        "commander",  # senior: may override the sensitive-places register, with a reason
        "inspector",  # the inspection unit: oversight cases about officers' data access
    }
)
CITY_WIDE_ROLES: frozenset[str] = frozenset({"admin", "auditor", "operator"})


class UnitLevel(StrEnum):
    CITY = "city"
    BRANCH = "branch"
    STATION = "station"
    #: a specialised department (criminal investigation, traffic, inspection, …) of the city
    #: bureau or of a branch
    DEPARTMENT = "department"


class UnitCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "futian", "name": "Futian branch", "level": "branch", "parent_id": "sz"}
            ]
        },
    )

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    level: UnitLevel
    parent_id: Identifier | None = None


class Unit(UnitCreate):
    pass


class OfficerCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "o-1024",
                    "username": "o-1024",
                    "display_name": "Li Wei",
                    "unit_id": "futian-1",
                    "roles": ["officer"],
                    "password": "a long pass phrase",
                }
            ]
        },
    )

    id: Identifier
    username: Username
    display_name: str = Field(min_length=1, max_length=200)
    unit_id: Identifier
    roles: list[str] = Field(min_length=1, max_length=20)
    password: Password
    badge_number: str | None = Field(default=None, pattern=r"^[0-9A-Z]{4,16}$")
    rank: str | None = Field(default=None, max_length=64)


class Officer(BaseModel):
    """An officer record: personal data (a name), served only for a declared purpose."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "o-1024",
                    "username": "o-1024",
                    "display_name": "Li Wei",
                    "unit_id": "futian-1",
                    "roles": ["officer"],
                    "active": True,
                    "badge_number": "044417",
                    "rank": "police officer, first class",
                }
            ]
        }
    )

    id: str
    username: str
    display_name: str
    unit_id: str
    roles: list[str]
    active: bool
    badge_number: str | None = None
    rank: str | None = None


class RolesChange(BaseModel):
    """An administrator's change of an officer's roles: recorded in the ledger with its reason;
    the officer's tokens are revoked so the new roles apply at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"roles": ["officer", "investigator"], "reason": "moved to the CID"}]
        },
    )

    roles: list[str] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=3, max_length=500)


class OfficerDisable(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "suspended pending inquiry"}]}
    )

    reason: str = Field(min_length=3, max_length=500)


class ServiceAccountCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "traffic-system",
                    "pillar": "warning",
                    "roles": ["officer"],
                    "client_secret": "a long random secret",
                }
            ]
        },
    )

    client_id: Identifier
    pillar: Literal["data", "warning", "prevention", "investigation", "citizen", "management"]
    roles: list[str] = Field(min_length=1, max_length=20)
    client_secret: Secret


class PasswordGrant(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ClientCredentialsGrant(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    client_secret: str = Field(min_length=1, max_length=256)


class TokenGrant(BaseModel):
    """RFC 6749 token response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0…",
                    "token_type": "Bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class RevokeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"officer_id": "o-1024"}]}
    )

    #: revoke every token of this officer issued until now (administrators only); without it,
    #: the caller's own token is revoked
    officer_id: Identifier | None = None


class RevokedToken(BaseModel):
    jti: str
    expires_at: datetime


class OfficerTokensRevoked(BaseModel):
    officer_id: str
    not_before: datetime


class Revocations(BaseModel):
    tokens: list[RevokedToken]
    officers: list[OfficerTokensRevoked]


TOKEN_REVOKED = "management.token.revoked.v1"
OFFICER_TOKENS_REVOKED = "management.officer.tokens_revoked.v1"
