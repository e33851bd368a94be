"""Certificates: the kinds, the status flow of a request, and certificate numbers anyone can
verify.

A number reads `SZ-NCR-2026-000123-K7QX2M4B`: the city, the kind, the year of issue, a serial
within kind and year, and a check part that is a keyed digest (HMAC-SHA256, base32) of the rest.
Without the key nobody makes a number that verifies; with the number nobody learns whose it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal

from contracts.certificates import (
    MAX_CERTIFICATE_NUMBER_CHARS,
    CertificateDecisionKind,
    CertificateStatus,
    CertificateType,
)

CITY = "SZ"
CHECK_CHARS = 8
MAX_SERIAL = 999_999


@dataclass(frozen=True)
class Kind:
    code: str  # in the number
    name: str


KINDS: dict[CertificateType, Kind] = {
    CertificateType.NO_CRIMINAL_RECORD: Kind("NCR", "无犯罪记录证明"),
    CertificateType.RESIDENCE: Kind("RES", "居住证明"),
}
TYPE_BY_CODE = {kind.code: certificate_type for certificate_type, kind in KINDS.items()}

_NUMBER = re.compile(
    rf"^{CITY}-(?P<code>[A-Z]{{3}})-(?P<year>[0-9]{{4}})-(?P<serial>[0-9]{{6}})"
    rf"-(?P<check>[A-Z2-7]{{{CHECK_CHARS}}})$"
)


class CertificateRuleBroken(ValueError):
    """A move the status flow does not allow, or a number that cannot be made."""


def _check(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:CHECK_CHARS]


def certificate_number(
    key: bytes, certificate_type: CertificateType, year: int, serial: int
) -> str:
    if not 1 <= serial <= MAX_SERIAL:
        raise CertificateRuleBroken(f"serial {serial} is outside 1-{MAX_SERIAL}")
    if not 2000 <= year <= 9999:
        raise CertificateRuleBroken(f"year {year} cannot be in a number")
    body = f"{CITY}-{KINDS[certificate_type].code}-{year:04d}-{serial:06d}"
    return f"{body}-{_check(key, body)}"


@dataclass(frozen=True)
class GenuineNumber:
    certificate_type: CertificateType
    year: int
    serial: int


def genuine(key: bytes, number: str) -> GenuineNumber | None:
    """The number's parts if its check part is right; None for anything else (malformed,
    unknown kind, a forged or mistyped check), never an error."""
    if len(number) > MAX_CERTIFICATE_NUMBER_CHARS:
        return None
    found = _NUMBER.match(number.strip().upper())
    if found is None or found["code"] not in TYPE_BY_CODE:
        return None
    body, _, check = found.group(0).rpartition("-")
    if not hmac.compare_digest(_check(key, body), check):
        return None
    return GenuineNumber(TYPE_BY_CODE[found["code"]], int(found["year"]), int(found["serial"]))


def canonical(number: str) -> str:
    return number.strip().upper()


# -- the status flow ----------------------------------------------------------------------------

NEXT_STATUS: dict[CertificateStatus, frozenset[CertificateStatus]] = {
    CertificateStatus.REQUESTED: frozenset({CertificateStatus.IN_REVIEW}),
    CertificateStatus.IN_REVIEW: frozenset(
        {CertificateStatus.READY_FOR_PICKUP, CertificateStatus.REFUSED}
    ),
    CertificateStatus.READY_FOR_PICKUP: frozenset(
        {CertificateStatus.COLLECTED, CertificateStatus.REVOKED}
    ),
    CertificateStatus.COLLECTED: frozenset({CertificateStatus.REVOKED}),
    CertificateStatus.REFUSED: frozenset(),
    CertificateStatus.REVOKED: frozenset(),
}

#: statuses in which the certificate exists and has a number
ISSUED = frozenset(
    {CertificateStatus.READY_FOR_PICKUP, CertificateStatus.COLLECTED, CertificateStatus.REVOKED}
)

DECIDED_STATUS = {
    CertificateDecisionKind.ISSUE: CertificateStatus.READY_FOR_PICKUP,
    CertificateDecisionKind.REFUSE: CertificateStatus.REFUSED,
}


def check_move(current: CertificateStatus, wanted: CertificateStatus) -> None:
    if wanted not in NEXT_STATUS[current]:
        raise CertificateRuleBroken(f"a certificate request cannot go from {current} to {wanted}")


def decided_status(decision: CertificateDecisionKind, reason: str | None) -> CertificateStatus:
    if decision is CertificateDecisionKind.REFUSE and not reason:
        raise CertificateRuleBroken("a refusal needs a reason")
    return DECIDED_STATUS[decision]


def check_decider(reviewer: str | None, officer: str, supervisor: bool) -> None:
    """The officer who took the request decides it; a supervisor may decide any."""
    if reviewer != officer and not supervisor:
        raise CertificateRuleBroken("another officer has this request in review")


def public_status(status: CertificateStatus) -> Literal["valid", "revoked"]:
    """What a verifier learns of an issued certificate's state."""
    return "revoked" if status is CertificateStatus.REVOKED else "valid"


def ready_message(certificate_type: CertificateType, hall_name: str, number: str) -> str:
    return (
        f"【深圳公安】您申请的{KINDS[certificate_type].name}已办结，证明编号 {number}，"
        f"请携带身份证到{hall_name}领取。"
    )


def refused_message(certificate_type: CertificateType, reason: str) -> str:
    return f"【深圳公安】您申请的{KINDS[certificate_type].name}未予出具：{reason}。"
