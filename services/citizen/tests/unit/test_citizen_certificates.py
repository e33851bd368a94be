"""Certificates: numbers that verify only with the key, forged ones simply invalid; the status
flow of a request; finding the chosen self-service hall."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from contracts.certificates import (
    CertificateDecision,
    CertificateDecisionKind,
    CertificateRequestCreate,
    CertificateStatus,
    CertificateType,
)
from contracts.errors import ValidationFailed
from services.citizen import certificates_app
from services.citizen.domain import certificates as rules
from services.citizen.domain.certificates import CertificateRuleBroken
from services.citizen.settings import Settings

KEY = b"unit-test-certificate-key"
NCR = CertificateType.NO_CRIMINAL_RECORD


def test_a_number_reads_city_kind_year_serial_and_check_and_verifies_with_the_key() -> None:
    number = rules.certificate_number(KEY, NCR, 2026, 123)
    assert re.fullmatch(r"SZ-NCR-2026-000123-[A-Z2-7]{8}", number)
    assert rules.genuine(KEY, number) == rules.GenuineNumber(NCR, 2026, 123)
    assert rules.genuine(KEY, f"  {number.lower()} ") == rules.GenuineNumber(NCR, 2026, 123)
    residence = rules.certificate_number(KEY, CertificateType.RESIDENCE, 2026, 123)
    assert residence.startswith("SZ-RES-2026-000123-")
    assert residence[-8:] != number[-8:]


def _forgeries(number: str) -> list[str]:
    body, check = number[:-9], number[-8:]
    flipped = ("A" if check[0] != "A" else "B") + check[1:]
    return [
        f"{body}-{flipped}",  # a forged check part
        number.replace("000123", "000124"),  # another serial under the same check
        number.replace("2026", "2025"),
        number.replace("NCR", "RES"),
        number[:-1],
        number + "A",
        "",
        "SZ-XYZ-2026-000123-AAAAAAAA",
        "not a number at all",
        "SZ-NCR-2026-000123-" + "A" * 80,
        "SZ-NCR-2026-000123-0000000!",
    ]


def test_a_forged_or_mangled_number_is_simply_not_genuine() -> None:
    number = rules.certificate_number(KEY, NCR, 2026, 123)
    for forged in _forgeries(number):
        assert rules.genuine(KEY, forged) is None, forged
    assert rules.genuine(b"another key", number) is None


def test_an_unknown_kind_is_not_genuine_even_with_a_right_check() -> None:
    body = "SZ-XYZ-2026-000123"
    assert rules.genuine(KEY, f"{body}-{rules._check(KEY, body)}") is None


@pytest.mark.parametrize(("year", "serial"), [(2026, 0), (2026, 1_000_000), (1999, 1)])
def test_a_number_cannot_be_made_out_of_range(year: int, serial: int) -> None:
    with pytest.raises(CertificateRuleBroken):
        rules.certificate_number(KEY, NCR, year, serial)


S = CertificateStatus


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.REQUESTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.READY_FOR_PICKUP),
        (S.IN_REVIEW, S.REFUSED),
        (S.READY_FOR_PICKUP, S.COLLECTED),
        (S.READY_FOR_PICKUP, S.REVOKED),
        (S.COLLECTED, S.REVOKED),
    ],
)
def test_the_status_flow_allows(current: CertificateStatus, wanted: CertificateStatus) -> None:
    rules.check_move(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.REQUESTED, S.READY_FOR_PICKUP),
        (S.REQUESTED, S.COLLECTED),
        (S.IN_REVIEW, S.COLLECTED),
        (S.REFUSED, S.IN_REVIEW),
        (S.REFUSED, S.REVOKED),
        (S.COLLECTED, S.READY_FOR_PICKUP),
        (S.REVOKED, S.COLLECTED),
    ],
)
def test_the_status_flow_refuses(current: CertificateStatus, wanted: CertificateStatus) -> None:
    with pytest.raises(CertificateRuleBroken):
        rules.check_move(current, wanted)


def test_a_refusal_needs_a_reason_and_an_issue_does_not() -> None:
    assert rules.decided_status(CertificateDecisionKind.ISSUE, None) is S.READY_FOR_PICKUP
    with pytest.raises(CertificateRuleBroken):
        rules.decided_status(CertificateDecisionKind.REFUSE, None)
    with pytest.raises(ValidationError):
        CertificateDecision(decision=CertificateDecisionKind.REFUSE)


def test_a_verifier_learns_valid_or_revoked_only() -> None:
    assert rules.public_status(S.READY_FOR_PICKUP) == "valid"
    assert rules.public_status(S.COLLECTED) == "valid"
    assert rules.public_status(S.REVOKED) == "revoked"


def test_the_ready_message_fits_one_sms() -> None:
    number = rules.certificate_number(KEY, NCR, 2026, 1)
    body = rules.ready_message(NCR, "厅" * 200, number)
    assert len(body) <= 500 and number in body
    assert len(rules.refused_message(NCR, "因" * 300)) <= 500


@pytest.mark.parametrize(
    "change",
    [
        {"certificate_type": "passport"},
        {"purpose": "x"},
        {"purpose": "用" * 201},
        {"hall_id": "Hall 1"},
    ],
)
def test_a_request_names_a_known_kind_a_purpose_and_a_hall_id(change: dict[str, Any]) -> None:
    good = {"certificate_type": "residence", "purpose": "子女入学", "hall_id": "poi-hall-01"}
    CertificateRequestCreate.model_validate(good)
    with pytest.raises(ValidationError):
        CertificateRequestCreate.model_validate({**good, **change})


def _hall(i: int) -> dict[str, Any]:
    return {"place_id": f"poi-hall-{i:04d}", "name": f"自助服务厅 {i}", "district": "futian"}


class FakePoliceCloud:
    """`data.find_places` over 1,200 halls, 500 a page."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []
        self.halls = [_hall(i) for i in range(1200)]

    def __call__(self, query: dict[str, Any]) -> dict[str, Any]:
        self.queries.append(query)
        start = int(query["cursor"] or 0)
        page = self.halls[start : start + query["limit"]]
        more = start + query["limit"] < len(self.halls)
        return {"places": page, "next_cursor": str(start + query["limit"]) if more else None}


def test_the_chosen_hall_is_found_across_pages_and_an_unknown_one_refused() -> None:
    cloud = FakePoliceCloud()
    hall = certificates_app.find_hall(cloud, "poi-hall-1100")
    assert (hall.hall_id, hall.name, hall.district) == (
        "poi-hall-1100",
        "自助服务厅 1100",
        "futian",
    )
    assert [q["kinds"] for q in cloud.queries] == [["self_service_hall"]] * 3

    with pytest.raises(ValidationFailed) as refused:
        certificates_app.find_hall(FakePoliceCloud(), "poi-pawnshop-0001")
    assert refused.value.fields["errors"] == [{"field": "hall_id", "problem": "unknown_hall"}]


def test_the_numbers_key_is_the_configured_one() -> None:
    settings = Settings(certificate_number_key=SecretStr("a deployment's key"))
    assert certificates_app.number_key(settings) == b"a deployment's key"
