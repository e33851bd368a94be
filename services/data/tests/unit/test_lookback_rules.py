from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.data.domain.lookback import (
    LookbackRefused,
    LookbackRules,
    NeedsAuthorisation,
    check_window,
    make_cursor,
    parse_cursor,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
RULES = LookbackRules(max_window=timedelta(days=31), authorisation_age=timedelta(days=90))
BEIJING = timezone(timedelta(hours=8))


def test_a_window_is_normalised_to_utc_with_a_normalised_plate() -> None:
    since = datetime(2026, 11, 28, 8, 0, tzinfo=BEIJING)
    window = check_window("粤 t-12345", since, since + timedelta(days=1), NOW, RULES)
    assert window.plate == "粤T12345"
    assert window.since == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("plate", "since", "until", "problem"),
    [
        ("not a plate", NOW - timedelta(days=1), NOW, "plate"),
        ("粤T12345", NOW, NOW - timedelta(hours=1), "before"),
        ("粤T12345", NOW, NOW, "before"),
        ("粤T12345", NOW - timedelta(days=40), NOW, "at most 31 days"),
        ("粤T12345", datetime(2026, 11, 28), NOW, "offset"),
    ],
)
def test_malformed_and_too_wide_windows_are_refused(
    plate: str, since: datetime, until: datetime, problem: str
) -> None:
    with pytest.raises(LookbackRefused, match=problem):
        check_window(plate, since, until, NOW, RULES)


def test_old_sightings_need_an_authorisation() -> None:
    since = NOW - timedelta(days=91)
    with pytest.raises(NeedsAuthorisation):
        check_window("粤T12345", since, since + timedelta(days=2), NOW, RULES)
    check_window("粤T12345", NOW - timedelta(days=89), NOW - timedelta(days=88), NOW, RULES)


def test_cursors_round_trip_and_garbage_is_refused() -> None:
    ident = uuid.uuid4()
    assert parse_cursor(make_cursor(NOW, ident)) == (NOW, ident)
    assert parse_cursor(None) is None
    with pytest.raises(LookbackRefused):
        parse_cursor("garbage")


def test_a_grant_opens_old_data_only_for_its_case_plate_and_window_until_it_expires() -> None:
    from services.data.domain.lookback import Grant, check_grant

    since = NOW - timedelta(days=120)
    grant = Grant("c-1", "粤T12345", since, since + timedelta(days=2), NOW + timedelta(days=1))
    check_grant(grant, "粤T12345", since, since + timedelta(days=1), NOW, "c-1")
    for plate, start, end, case, now, problem in (
        ("粤B11111", since, since + timedelta(days=1), "c-1", NOW, "plate"),
        ("粤T12345", since, since + timedelta(days=1), "c-2", NOW, "case"),
        ("粤T12345", since - timedelta(hours=1), since, "c-1", NOW, "outside"),
        ("粤T12345", since, since + timedelta(days=1), "c-1", NOW + timedelta(days=2), "expired"),
    ):
        with pytest.raises(NeedsAuthorisation, match=problem):
            check_grant(grant, plate, start, end, now, case)
    with pytest.raises(NeedsAuthorisation):
        check_grant(None, "粤T12345", since, since + timedelta(days=1), NOW, "c-1")
