"""Citizen accounts: sign-in by phone number and a one-time code, citizen tokens.

Citizens are not officers: their tokens come from the citizen service, under their own issuer
and audience, and reach only the routes the authorisation matrix marks for citizens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: a mainland mobile number, 11 digits starting with 1 (a `+86` prefix is accepted and dropped)
MobileNumber = Annotated[str, StringConstraints(pattern=r"^(\+86)?1[3-9][0-9]{9}$")]
OneTimeCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]

CITIZEN_AUDIENCE = "smart-policing-citizen"
CITIZEN_ROLE = "citizen"


def national_number(phone: str) -> str:
    """`+8613800138000` and `13800138000` are the same number."""
    return phone.removeprefix("+86")


def masked_phone(phone: str) -> str:
    number = national_number(phone)
    return f"{number[:3]}****{number[-4:]}"


class CodeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phone": "13800138000"}]}
    )

    phone: MobileNumber


class CodeSent(BaseModel):
    """Said whether or not the number has an account: the answer reveals nothing."""

    expires_in: int = Field(description="seconds the code stays valid")
    resend_after: int = Field(description="seconds before another code may be asked for")


class CodeGrant(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"phone": "13800138000", "code": "123456"}]},
    )

    phone: MobileNumber
    code: OneTimeCode


class CitizenTokenGrant(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    citizen_id: str
    #: true the first time this number signed in (the account was made)
    registered: bool


class CitizenProfile(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "citizen_id": "c-5f2a9c0e1b7d4a36",
                    "phone": "138****8000",
                    "registered_at": "2026-11-29T08:00:00Z",
                    "identity_verified": True,
                    "name": "王**",
                }
            ]
        }
    )

    citizen_id: str
    phone: str = Field(description="masked")
    registered_at: datetime
    #: true once the citizen proved who they are (their name and national id matched)
    identity_verified: bool
    name: str | None = Field(default=None, description="masked")
