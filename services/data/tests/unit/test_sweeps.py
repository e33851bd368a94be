from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.data.domain.lookback import LookbackRefused, NeedsAuthorisation
from services.data.domain.sweeps import (
    Condition,
    SweepGrant,
    check_collision,
    present,
    pseudonym,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
GRANT = SweepGrant(
    "c-1", frozenset({"cp-1", "cp-2"}), NOW - 2 * DAY, NOW, frozenset({"粤T12345"}), NOW + DAY
)


def cond(device: str = "cp-1", start: datetime = NOW - DAY, hours: float = 2) -> Condition:
    return Condition(device, start, start + timedelta(hours=hours))


def test_conditions_inside_a_live_grant_pass() -> None:
    assert len(check_collision([cond(), cond("cp-2")], GRANT, "c-1", NOW, DAY)) == 2


@pytest.mark.parametrize(
    ("conditions", "grant", "case", "refusal", "problem"),
    [
        ([cond(hours=25)], GRANT, "c-1", LookbackRefused, "at most 24 hours"),
        ([cond(hours=-1)], GRANT, "c-1", LookbackRefused, "before"),
        ([cond()], None, "c-1", NeedsAuthorisation, "authorisation"),
        ([cond()], GRANT, "c-2", NeedsAuthorisation, "another case"),
        ([cond("cp-9")], GRANT, "c-1", NeedsAuthorisation, "checkpoint"),
        ([cond(start=NOW - 3 * DAY)], GRANT, "c-1", NeedsAuthorisation, "window"),
    ],
)
def test_sweeps_outside_their_bounds_are_refused(
    conditions: list[Condition], grant: SweepGrant | None, case: str, refusal: type, problem: str
) -> None:
    with pytest.raises(refusal, match=problem):
        check_collision(conditions, grant, case, NOW, DAY)


def test_an_expired_grant_is_refused() -> None:
    with pytest.raises(NeedsAuthorisation, match="expired"):
        check_collision([cond()], GRANT, "c-1", GRANT.expires_at, DAY)


def test_pseudonyms_are_stable_within_a_case_and_unlinkable_across_cases() -> None:
    assert pseudonym(b"k", "c-1", "粤B11111") == pseudonym(b"k", "c-1", "粤B11111")
    assert pseudonym(b"k", "c-1", "粤B11111") != pseudonym(b"k", "c-2", "粤B11111")
    assert pseudonym(b"k", "c-1", "粤B11111") != pseudonym(b"other", "c-1", "粤B11111")
    assert "粤B11111" not in pseudonym(b"k", "c-1", "粤B11111")


def test_only_named_targets_come_back_in_clear() -> None:
    clear, masked = present(["粤B11111", "粤T12345", "粤C22222"], GRANT, b"k")
    assert clear == ["粤T12345"]
    assert len(masked) == 2 and all(m.startswith("P-") for m in masked)
