"""Duty rosters through the management service: a station's rules, leave, a generated week
that breaks no rule and reports what it could not meet, edits checked by the same rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from contracts.actor import Actor, ActorKind
from services.management.tests.integration.test_identity import PASSWORD

SUPERVISOR = Actor(
    kind=ActorKind.OFFICER,
    id="o-sup",
    unit="futian",
    scope="sz/futian",
    roles=("supervisor",),
)
OTHER_BRANCH = SUPERVISOR.model_copy(update={"scope": "sz/nanshan", "unit": "nanshan"})
MONDAY = date(2026, 11, 30)
RULES = {
    "shifts": [
        {"name": "day", "start": "08:00", "duration_hours": 8},
        {"name": "evening", "start": "16:00", "duration_hours": 8},
        {"name": "night", "start": "00:00", "duration_hours": 8, "night": True},
    ],
    "staffing": [
        {"shift": "day", "weekday_minimum": 3, "weekend_minimum": 2},
        {"shift": "evening", "weekday_minimum": 3, "weekend_minimum": 2},
        {"shift": "night", "weekday_minimum": 2},
    ],
}


def station(proxy: Any, officers: int) -> None:
    proxy.create_unit({"id": "sz", "name": "City", "level": "city"})
    proxy.create_unit({"id": "futian", "name": "Futian", "level": "branch", "parent_id": "sz"})
    proxy.create_unit({"id": "ft-1", "name": "Station", "level": "station", "parent_id": "futian"})
    for n in range(officers):
        proxy.create_officer(
            {
                "id": f"o-{n:02d}",
                "username": f"o-{n:02d}",
                "display_name": f"Officer {n}",
                "unit_id": "ft-1",
                "roles": ["officer"],
                "password": PASSWORD,
            }
        )


def test_a_generated_week_meets_staffing_and_respects_leave(call: Any) -> None:
    station(call(), 16)
    supervisor = call(SUPERVISOR)
    supervisor.set_station_rules("ft-1", RULES)
    supervisor.add_leave("o-03", {"first": "2026-12-01", "last": "2026-12-03", "reason": "leave"})
    week = supervisor.generate_roster("ft-1", MONDAY.isoformat())
    assert week["unmet"] == []
    by_slot: dict[tuple[str, str], list[str]] = {}
    for a in week["assignments"]:
        by_slot.setdefault((a["day"], a["shift"]), []).append(a["officer_id"])
    for offset in range(7):
        day = MONDAY + timedelta(days=offset)
        weekend = day.weekday() >= 5
        assert len(by_slot[(day.isoformat(), "day")]) >= (2 if weekend else 3)
        assert len(by_slot[(day.isoformat(), "night")]) >= 2
    on_leave = [a for a in week["assignments"] if a["officer_id"] == "o-03"]
    assert all(not "2026-12-01" <= a["day"] <= "2026-12-03" for a in on_leave)
    # what was stored is what was generated, and it still breaks no rule
    again = supervisor.get_roster("ft-1", MONDAY.isoformat())
    assert again["assignments"] == week["assignments"] and again["unmet"] == []


def test_too_few_officers_are_reported_shift_by_shift(call: Any) -> None:
    station(call(), 5)
    supervisor = call(SUPERVISOR)
    supervisor.set_station_rules("ft-1", RULES)
    week = supervisor.generate_roster("ft-1", MONDAY.isoformat())
    short = [u for u in week["unmet"] if u["code"] == "understaffed"]
    assert short and all(u["shortfall"] >= 1 and u["day"] and u["shift"] for u in short)
    assert {u["code"] for u in week["unmet"]} == {"understaffed"}  # nothing else broken


def test_an_edit_that_breaks_a_rule_is_refused_with_every_violation(call: Any) -> None:
    station(call(), 16)
    supervisor = call(SUPERVISOR)
    supervisor.set_station_rules("ft-1", RULES)
    week = supervisor.generate_roster("ft-1", MONDAY.isoformat())
    evening = next(a for a in week["assignments"] if a["shift"] == "evening")
    # the same officer on the night right after an evening: 0 hours of rest
    next_day = (date.fromisoformat(evening["day"]) + timedelta(days=1)).isoformat()
    edit = {"add": [{"officer_id": evening["officer_id"], "day": next_day, "shift": "night"}]}
    with pytest.raises(RemoteError) as refused:
        supervisor.edit_roster("ft-1", MONDAY.isoformat(), edit)
    assert refused.value.exc_type == "ValidationFailed"
    assert "rest_too_short" in str(refused.value.value) or "overlap" in str(refused.value.value)
    unchanged = supervisor.get_roster("ft-1", MONDAY.isoformat())
    assert unchanged["assignments"] == week["assignments"]


@pytest.mark.parametrize(
    ("actor", "week_start", "refusal"),
    [
        (OTHER_BRANCH, MONDAY.isoformat(), "Forbidden"),
        (SUPERVISOR, (MONDAY + timedelta(days=1)).isoformat(), "ValidationFailed"),
        (SUPERVISOR, "next monday", "ValidationFailed"),
    ],
)
def test_refusals(call: Any, actor: Actor, week_start: str, refusal: str) -> None:
    station(call(), 3)
    call(SUPERVISOR).set_station_rules("ft-1", RULES)
    with pytest.raises(RemoteError) as refused:
        call(actor).generate_roster("ft-1", week_start)
    assert refused.value.exc_type == refusal
