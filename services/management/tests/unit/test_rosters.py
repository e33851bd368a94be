from __future__ import annotations

import random
import time as clock
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from services.management.domain.rosters import (
    Assignment,
    DateRange,
    Fairness,
    GeneratedWeek,
    Interval,
    Officer,
    Roster,
    RosterRules,
    ShiftTemplate,
    StaffingRule,
    Violation,
    ViolationCode,
    assignment_for,
    fairness,
    generate,
    validate,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)
RULES = RosterRules()
DAY = ShiftTemplate("day", time(8), 8)
EVENING = ShiftTemplate("evening", time(16), 8)
NIGHT = ShiftTemplate("night", time(0), 8, night=True)
TEMPLATES = (DAY, EVENING, NIGHT)
BY_NAME = {t.name: t for t in TEMPLATES}
STAFFING = StaffingRule(
    "sz/futian/xiangmihu",
    minimum={"day": 4, "evening": 4, "night": 3},
    weekend_minimum={"day": 3, "evening": 3, "night": 3},
)


def days_of(week_start: date) -> list[date]:
    return [week_start + timedelta(days=n) for n in range(7)]


def station(count: int = 24) -> list[Officer]:
    """A realistic station: a few officers on leave in different weeks, one part-timer."""
    officers = {f"o{n:02d}": Officer(f"o{n:02d}") for n in range(1, count + 1)}
    week = timedelta(days=7)
    officers["o03"] = Officer(
        "o03", leave=(DateRange(MONDAY + timedelta(2), MONDAY + timedelta(4)),)
    )
    officers["o11"] = Officer(
        "o11", leave=(DateRange(MONDAY + week, MONDAY + week * 2 - timedelta(1)),)
    )
    officers["o17"] = Officer(
        "o17",
        leave=(DateRange(MONDAY + week * 2 + timedelta(5), MONDAY + week * 2 + timedelta(6)),),
    )
    officers["o20"] = Officer("o20", max_hours_per_week=20)
    court = datetime.combine(MONDAY + timedelta(1), time(9), tzinfo=SHANGHAI)
    officers["o08"] = Officer("o08", unavailable=(Interval(court, court + timedelta(hours=4)),))
    return [officer for officer in officers.values() if int(officer.officer_id[1:]) <= count]


def at(officer_id: str, day: date, shift: str) -> Assignment:
    return assignment_for(officer_id, day, BY_NAME[shift], RULES)


def hard(violations: Sequence[Violation]) -> list[Violation]:
    return [v for v in violations if v.code is not ViolationCode.UNDERSTAFFED]


def check_independently(
    result: GeneratedWeek,
    officers: Sequence[Officer],
    week_start: date,
    history: Sequence[Assignment],
) -> None:
    """The hard rules recomputed here, not through validate, so a bug shared by both shows."""
    by_id = {o.officer_id: o for o in officers}
    staffed = Counter((a.day, a.shift) for a in result.roster.assignments)
    for day in days_of(week_start):
        for template in TEMPLATES:
            assert staffed[(day, template.name)] >= STAFFING.required(template.name, day)
    for officer_id, officer in by_id.items():
        own = sorted(
            [a for a in [*history, *result.roster.assignments] if a.officer_id == officer_id],
            key=lambda a: a.start,
        )
        for earlier, later in pairwise(own):
            assert later.start - earlier.end >= timedelta(hours=11), (earlier, later)
        this_week = [a for a in own if a.day >= week_start]
        limit = min(40, officer.max_hours_per_week or 40)
        assert sum((a.end - a.start for a in this_week), timedelta()) <= timedelta(hours=limit)
        worked = {a.day for a in own}
        for day in worked:
            assert not all(day - timedelta(days=k) in worked for k in range(7)), (officer_id, day)
        for assignment in this_week:
            assert all(not r.contains(assignment.day) for r in officer.leave)
            assert all(
                not p.overlaps(assignment.start, assignment.end) for p in officer.unavailable
            )


def test_a_feasible_station_week_meets_every_rule() -> None:
    officers = station()
    result = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)

    assert result.unmet == ()
    assert result.complete
    assert validate(result.roster, officers, STAFFING, TEMPLATES, RULES, MONDAY) == []
    check_independently(result, officers, MONDAY, [])
    assert not [
        a
        for a in result.roster.assignments
        if a.officer_id == "o03" and a.day in days_of(MONDAY)[2:5]
    ]
    for assignment in result.roster.assignments:
        assert assignment.start.tzinfo == SHANGHAI
        assert assignment.end - assignment.start == timedelta(hours=8)
    wednesday_night = result.roster.on(MONDAY + timedelta(2), "night")
    assert len(wednesday_night) == 3
    assert result.roster.of(wednesday_night[0])


def chain_weeks(
    officers: Sequence[Officer], weeks: int
) -> tuple[list[Assignment], list[GeneratedWeek]]:
    history: list[Assignment] = []
    results = []
    for n in range(weeks):
        week_start = MONDAY + timedelta(days=7 * n)
        result = generate(officers, STAFFING, TEMPLATES, RULES, week_start, history)
        assert result.unmet == (), f"week {n + 1}: {result.unmet}"
        assert (
            validate(result.roster, officers, STAFFING, TEMPLATES, RULES, week_start, history) == []
        )
        check_independently(result, officers, week_start, history)
        history = [*history, *result.roster.assignments]
        results.append(result)
    return history, results


def test_four_weeks_spread_nights_and_weekends_within_one_of_the_average() -> None:
    officers = station()
    history, results = chain_weeks(officers, 4)

    totals = {o.officer_id: fairness(history).get(o.officer_id, Fairness(0, 0)) for o in officers}
    mean_nights = sum(f.nights for f in totals.values()) / len(officers)
    mean_weekends = sum(f.weekend_shifts for f in totals.values()) / len(officers)
    assert mean_nights == 84 / 24 and mean_weekends == 72 / 24
    for officer_id, counts in totals.items():
        assert counts.nights <= mean_nights + 1, (officer_id, counts, mean_nights)
        assert counts.weekend_shifts <= mean_weekends + 1, (officer_id, counts, mean_weekends)
    assert results[-1].fairness_to_date == totals


@pytest.mark.parametrize("seed", range(5))
def test_fair_spread_holds_on_other_stations(seed: int) -> None:
    shuffle = random.Random(seed)
    count = shuffle.randint(22, 32)
    officers = []
    for n in range(count):
        first_day_off = MONDAY + timedelta(shuffle.randint(0, 24))
        officers.append(
            Officer(
                f"p{n:02d}",
                max_hours_per_week=shuffle.choice([None, None, None, 24, 32]),
                leave=(
                    (DateRange(first_day_off, first_day_off + timedelta(3)),)
                    if shuffle.random() < 0.2
                    else ()
                ),
            )
        )
    history, _ = chain_weeks(officers, 4)

    totals = fairness(history)
    mean_nights = sum(f.nights for f in totals.values()) / count
    mean_weekends = sum(f.weekend_shifts for f in totals.values()) / count
    assert max(f.nights for f in totals.values()) <= mean_nights + 1
    assert max(f.weekend_shifts for f in totals.values()) <= mean_weekends + 1


def test_too_few_officers_leaves_shifts_short_and_names_each_with_its_count() -> None:
    officers = station(8)
    result = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)

    staffed = Counter((a.day, a.shift) for a in result.roster.assignments)
    expected = {
        (day, t.name): STAFFING.required(t.name, day) - staffed[(day, t.name)]
        for day in days_of(MONDAY)
        for t in TEMPLATES
        if staffed[(day, t.name)] < STAFFING.required(t.name, day)
    }
    assert expected, "eight officers cannot staff a 73-shift week"
    assert all(v.code is ViolationCode.UNDERSTAFFED for v in result.unmet)
    assert {(v.day, v.shift): v.shortfall for v in result.unmet} == expected
    assert len(result.unmet) == len(expected)
    for violation in result.unmet:
        assert violation.day is not None and violation.shift is not None
        assert violation.day.isoformat() in violation.message
        assert violation.shift in violation.message
        assert f"{violation.shortfall} officer" in violation.message
    # Staffing gave way, never an officer's hard rules.
    assert hard(validate(result.roster, officers, STAFFING, TEMPLATES, RULES, MONDAY)) == []
    assert validate(result.roster, officers, STAFFING, TEMPLATES, RULES, MONDAY) == list(
        result.unmet
    )
    # And it still did all it could: seven officers at their forty hours, and o03 (on leave
    # Wednesday to Friday) on each of the four other days.
    assert len(result.roster.assignments) == 7 * 5 + 4


def test_a_night_only_two_can_work_is_reported_one_short() -> None:
    wednesday = MONDAY + timedelta(2)
    blocked = Interval(
        datetime.combine(wednesday, time(0), tzinfo=SHANGHAI),
        datetime.combine(wednesday, time(8), tzinfo=SHANGHAI),
    )
    officers = [
        o if o.officer_id in {"o05", "o06"} else Officer(o.officer_id, unavailable=(blocked,))
        for o in station()
    ]
    result = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)

    assert [(v.code, v.day, v.shift, v.shortfall) for v in result.unmet] == [
        (ViolationCode.UNDERSTAFFED, wednesday, "night", 1)
    ]
    assert result.unmet[0].message == "2026-03-04 (Wed) night: 1 officer short (2 of the minimum 3)"
    assert result.roster.on(wednesday, "night") == ("o05", "o06")


def between(day: date, start: int, end: int) -> Interval:
    return Interval(
        datetime.combine(day, time(start), tzinfo=SHANGHAI),
        datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(hours=end),
    )


def test_a_shift_left_short_by_the_greedy_is_repaired_by_a_move_and_a_backfill() -> None:
    saturday, sunday = MONDAY + timedelta(5), MONDAY + timedelta(6)
    friday = MONDAY + timedelta(4)
    officers = [
        Officer("o1"),
        Officer("o2"),
        # o3 could take Saturday night but not Saturday's day shift.
        Officer("o3", unavailable=(between(saturday, 8, 16),)),
        Officer("o4", leave=(DateRange(MONDAY, saturday),)),
        Officer("o5", leave=(DateRange(MONDAY, saturday),)),
    ]
    # Going nights first, o1 and o2 (lowest ids) take Saturday night and so are too short of
    # rest for Saturday's day shift, which nobody else can work: o1 has to move to it and o3
    # take over the night.
    staffing = StaffingRule("s", minimum={}, weekend_minimum={"night": 2, "day": 1, "evening": 0})
    result = generate(officers, staffing, TEMPLATES, RULES, MONDAY)

    assert result.unmet == ()
    assert result.roster.on(saturday, "day") == ("o1",)
    assert result.roster.on(saturday, "night") == ("o2", "o3")
    assert len(result.roster.on(sunday, "night")) == 2
    assert not [a for a in result.roster.assignments if a.day <= friday]
    assert validate(result.roster, officers, staffing, TEMPLATES, RULES, MONDAY) == []


def test_a_shift_only_one_officer_can_work_is_filled_before_the_usual_order() -> None:
    friday, saturday, sunday = (MONDAY + timedelta(n) for n in (4, 5, 6))
    officers = [
        Officer("o1"),
        Officer("o2", leave=(DateRange(sunday, sunday),), unavailable=(between(friday, 16, 24),)),
        Officer("o3", leave=(DateRange(friday, saturday),)),
        Officer(
            "o4",
            leave=(DateRange(MONDAY, friday), DateRange(sunday, sunday)),
            unavailable=(between(saturday, 0, 8),),
        ),
        Officer("o5", leave=(DateRange(friday, sunday),)),
        Officer("o6", leave=(DateRange(friday, sunday),)),
    ]
    # Only o1 can work Friday evening. Nights first would give o1 Saturday night (no rest
    # after Friday evening), and no single move and backfill undoes that.
    staffing = StaffingRule(
        "s", minimum={"evening": 1}, weekend_minimum={"night": 1, "day": 1, "evening": 0}
    )
    result = generate(officers, staffing, TEMPLATES, RULES, MONDAY)

    assert result.unmet == ()
    assert result.roster.on(friday, "evening") == ("o1",)
    assert result.roster.on(saturday, "night") == ("o2",)
    assert result.roster.on(saturday, "day") == ("o4",)
    assert validate(result.roster, officers, staffing, TEMPLATES, RULES, MONDAY) == []


def test_the_result_is_deterministic_whatever_the_input_order() -> None:
    officers = station()
    first = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)
    again = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)
    reordered = generate(list(reversed(officers)), STAFFING, TEMPLATES[::-1], RULES, MONDAY)
    assert first == again == reordered


def test_thirty_officers_fill_a_week_well_under_a_second() -> None:
    officers = [Officer(f"o{n:02d}") for n in range(30)]
    started = clock.perf_counter()
    result = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY)
    assert clock.perf_counter() - started < 1.0
    assert result.complete


# --- validate on hand-built rosters ------------------------------------------------------------


def judge(*assignments: Assignment, history: Sequence[Assignment] = ()) -> list[Violation]:
    roster = Roster(assignments)
    return hard(validate(roster, station(), STAFFING, TEMPLATES, RULES, MONDAY, history))


def test_rest_across_midnight_too_short() -> None:
    tuesday = MONDAY + timedelta(1)
    [violation] = judge(at("o01", MONDAY, "evening"), at("o01", tuesday, "day"))
    assert (violation.code, violation.officer_id, violation.day, violation.shift) == (
        ViolationCode.REST_TOO_SHORT,
        "o01",
        tuesday,
        "day",
    )
    assert "8 h of rest" in violation.message and "evening on 2026-03-02" in violation.message
    assert judge(at("o01", MONDAY, "evening"), at("o01", tuesday, "evening")) == []


def test_rest_is_checked_against_last_week() -> None:
    sunday_before = MONDAY - timedelta(1)
    [violation] = judge(at("o02", MONDAY, "day"), history=[at("o02", sunday_before, "evening")])
    assert (violation.code, violation.day, violation.shift) == (
        ViolationCode.REST_TOO_SHORT,
        MONDAY,
        "day",
    )


def test_a_long_rest_rule_reaches_back_beyond_the_streak_window() -> None:
    rules = RosterRules(min_rest_hours=72, max_consecutive_days=1)
    friday_before = MONDAY - timedelta(3)
    roster = Roster((at("o02", MONDAY, "day"),))
    violations = validate(
        roster, station(), STAFFING, TEMPLATES, rules, MONDAY, [at("o02", friday_before, "day")]
    )
    assert [(v.code, v.day) for v in hard(violations)] == [(ViolationCode.REST_TOO_SHORT, MONDAY)]


def test_overlapping_shifts() -> None:
    late = ShiftTemplate("late", time(12), 8)
    roster = Roster((at("o04", MONDAY, "day"), assignment_for("o04", MONDAY, late, RULES)))
    violations = hard(validate(roster, station(), STAFFING, (*TEMPLATES, late), RULES, MONDAY))
    assert [(v.code, v.officer_id, v.day, v.shift) for v in violations] == [
        (ViolationCode.OVERLAP, "o04", MONDAY, "late")
    ]
    [twice] = judge(at("o04", MONDAY, "day"), at("o04", MONDAY, "day"))
    assert twice.code is ViolationCode.OVERLAP


def test_over_the_weeks_hours_named_once_where_it_goes_over() -> None:
    days = days_of(MONDAY)
    [part_timer] = judge(*(at("o20", day, "day") for day in days[:4]))
    assert (part_timer.code, part_timer.day, part_timer.shift) == (
        ViolationCode.OVER_MAX_HOURS,
        days[2],
        "day",
    )
    assert "makes 24 h" in part_timer.message and "maximum 20 h" in part_timer.message
    [full_timer] = judge(*(at("o01", day, "evening") for day in days[:6]))
    assert (full_timer.code, full_timer.day) == (ViolationCode.OVER_MAX_HOURS, days[5])
    assert judge(*(at("o01", day, "evening") for day in days[:5])) == []


def test_on_leave_or_unavailable_and_then_not_counted_as_staff() -> None:
    wednesday, tuesday = MONDAY + timedelta(2), MONDAY + timedelta(1)
    roster = Roster(
        (
            at("o03", wednesday, "night"),
            at("o05", wednesday, "night"),
            at("o06", wednesday, "night"),
            at("o08", tuesday, "day"),
        )
    )
    violations = validate(roster, station(), STAFFING, TEMPLATES, RULES, MONDAY)
    named = [(v.code, v.officer_id, v.day, v.shift, v.shortfall) for v in violations]
    assert (ViolationCode.ON_LEAVE, "o03", wednesday, "night", 0) in named
    assert (ViolationCode.UNAVAILABLE, "o08", tuesday, "day", 0) in named
    assert (ViolationCode.UNDERSTAFFED, None, wednesday, "night", 1) in named
    assert (ViolationCode.UNDERSTAFFED, None, tuesday, "day", 4) in named


def test_an_empty_roster_is_short_by_every_minimum() -> None:
    violations = validate(Roster(), station(), STAFFING, TEMPLATES, RULES, MONDAY)
    assert all(v.code is ViolationCode.UNDERSTAFFED for v in violations)
    assert len(violations) == 21
    assert sum(v.shortfall for v in violations) == 5 * 11 + 2 * 9
    saturday_night = next(
        v for v in violations if v.day == MONDAY + timedelta(5) and v.shift == "night"
    )
    assert saturday_night.shortfall == 3
    assert saturday_night.message == "2026-03-07 (Sat) night: 3 officers short (0 of the minimum 3)"
    # Listed by day, then by shift in the order the day runs.
    assert [v.shift for v in violations[:3]] == ["night", "day", "evening"]


def test_too_many_consecutive_days_counting_last_week() -> None:
    last_week = [at("o07", MONDAY - timedelta(days=k), "day") for k in range(1, 5)]
    days = days_of(MONDAY)
    [violation] = judge(*(at("o07", day, "day") for day in days[:4]), history=last_week)
    assert (violation.code, violation.officer_id, violation.day, violation.shift) == (
        ViolationCode.TOO_MANY_CONSECUTIVE_DAYS,
        "o07",
        days[2],
        "day",
    )
    assert "7 consecutive" in violation.message
    assert judge(*(at("o07", day, "day") for day in days[:2]), history=last_week) == []


def test_manual_edits_naming_unknowns_and_hand_typed_times() -> None:
    wrong_hours = Assignment(
        "o01",
        MONDAY,
        "day",
        datetime.combine(MONDAY, time(9), tzinfo=SHANGHAI),
        datetime.combine(MONDAY, time(17), tzinfo=SHANGHAI),
        night=False,
    )
    violations = judge(
        at("x99", MONDAY, "day"),
        at("o02", MONDAY + timedelta(7), "day"),
        wrong_hours,
    )
    assert sorted((v.code, v.officer_id) for v in violations) == [
        (ViolationCode.OUTSIDE_WEEK, "o02"),
        (ViolationCode.TIMES_MISMATCH, "o01"),
        (ViolationCode.UNKNOWN_OFFICER, "x99"),
    ]
    same_instants = Assignment(
        "o01",
        MONDAY,
        "day",
        datetime.combine(MONDAY, time(0), tzinfo=UTC),
        datetime.combine(MONDAY, time(8), tzinfo=UTC),
        night=False,
    )
    assert judge(same_instants) == []


def test_generation_respects_last_weeks_streak_and_rest() -> None:
    officers = [Officer(f"o{n:02d}") for n in range(1, 25)]
    # o01 to o12 worked the last six days up to Sunday's evening: none may work Monday.
    history = [
        at(f"o{n:02d}", MONDAY - timedelta(days=k), "evening")
        for n in range(1, 13)
        for k in range(1, 7)
    ]
    result = generate(officers, STAFFING, TEMPLATES, RULES, MONDAY, history)
    assert result.unmet == ()
    monday = {a.officer_id for a in result.roster.assignments if a.day == MONDAY}
    assert monday.isdisjoint({f"o{n:02d}" for n in range(1, 13)})
    assert validate(result.roster, officers, STAFFING, TEMPLATES, RULES, MONDAY, history) == []


def test_fairness_counts_nights_and_weekend_shifts() -> None:
    saturday = MONDAY + timedelta(5)
    counts = fairness(
        [at("o01", saturday, "night"), at("o01", MONDAY, "night"), at("o02", saturday, "day")]
    )
    assert counts == {"o01": Fairness(2, 1), "o02": Fairness(0, 1)}


def test_hours_are_real_hours_across_a_clock_change() -> None:
    berlin = RosterRules(timezone="Europe/Berlin")
    spring_forward = date(2026, 3, 29)
    night = assignment_for("o01", spring_forward, NIGHT, berlin)
    assert night.duration == timedelta(hours=8)
    # Same-zone subtraction is wall-clock time: the reason the rules compute on UTC instants.
    assert night.end - night.start == timedelta(hours=9)
    assert night.end.hour == 9


def test_misconfigured_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="Monday"):
        generate(station(), STAFFING, TEMPLATES, RULES, MONDAY + timedelta(1))
    with pytest.raises(ValueError, match="without a template"):
        generate(station(), StaffingRule("s", {"swing": 2}), TEMPLATES, RULES, MONDAY)
    with pytest.raises(ValueError, match="history"):
        generate(station(), STAFFING, TEMPLATES, RULES, MONDAY, [at("o01", MONDAY, "day")])
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))
