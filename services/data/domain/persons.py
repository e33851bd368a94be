"""Personal details: what is stored, what is shown, and for which purposes."""

from __future__ import annotations

import hashlib
import hmac

from contracts.actor import Purpose

#: purposes for which a vehicle's owner is shown in full; for any other, masked
OWNER_PURPOSES = frozenset(
    {
        Purpose.CRIMINAL_INVESTIGATION,
        Purpose.TRAFFIC_ENFORCEMENT,
        Purpose.EMERGENCY_RESPONSE,
        Purpose.MISSING_PERSON,
    }
)


def national_id_hash(key: bytes, national_id: str) -> str:
    """Finds a person by id number without storing it (keyed: not reversible by guessing)."""
    return hmac.new(key, national_id.upper().encode(), hashlib.sha256).hexdigest()


def mask_national_id(national_id: str) -> str:
    return f"{national_id[:6]}{'*' * 8}{national_id[-4:]}"


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    return (
        phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:]
        if len(phone) > 7
        else "*" * len(phone)
    )


def may_see_owner(purpose: Purpose | None) -> bool:
    return purpose in OWNER_PURPOSES
