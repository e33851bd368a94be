from __future__ import annotations

from contracts.actor import Purpose
from services.data.domain.persons import (
    mask_name,
    mask_national_id,
    mask_phone,
    may_see_owner,
    national_id_hash,
)


def test_masks_keep_only_what_identifies_nobody() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("李") == "李*"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) is None
    assert mask_national_id("440304199001011234") == "440304********1234"


def test_national_id_hashes_are_keyed_and_case_blind() -> None:
    a = national_id_hash(b"k", "44030419900101123X")
    assert a == national_id_hash(b"k", "44030419900101123x")
    assert a != national_id_hash(b"other", "44030419900101123X")
    assert "440304" not in a


def test_only_some_purposes_see_an_owner() -> None:
    assert may_see_owner(Purpose.TRAFFIC_ENFORCEMENT)
    assert may_see_owner(Purpose.CRIMINAL_INVESTIGATION)
    assert not may_see_owner(Purpose.PATROL_AND_PREVENTION)
    assert not may_see_owner(Purpose.CITIZEN_SERVICE)
    assert not may_see_owner(None)
