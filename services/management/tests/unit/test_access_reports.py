"""What a citizen's access report may show of a read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.management.domain.access_reports import AccessPolicy, same_request, withheld

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POLICY = AccessPolicy(show_officers=False, max_withhold=timedelta(days=180))


def test_a_read_without_a_case_is_shown() -> None:
    assert not withheld(POLICY, None, None, NOW, NOW)


def test_a_read_under_an_open_or_unknown_case_is_withheld() -> None:
    for status in ("open", "active", "cold", None):
        assert withheld(POLICY, "case-1", status, NOW - timedelta(days=1), NOW)


def test_a_finished_case_or_the_maximum_delay_releases_it() -> None:
    assert not withheld(POLICY, "case-1", "solved", NOW, NOW)
    assert not withheld(POLICY, "case-1", "closed", NOW, NOW)
    assert not withheld(POLICY, "case-1", "active", NOW - timedelta(days=180), NOW)


def test_records_of_one_request_count_once() -> None:
    seen: set[str] = set()
    assert not same_request("t1", seen)
    assert same_request("t1", seen)
    assert not same_request(None, seen) and not same_request(None, seen)
