"""Appointment rules without a broker: the seeded catalogue, slots cut from opening hours, when a
slot may be booked or a booking changed, a citizen's limits, reminders."""

from __future__ import annotations

import importlib.util
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from contracts.appointments import (
    CATALOGUE_SIZE,
    BookingStatus,
    OfficeCreate,
    OpeningPeriod,
    ServiceCategory,
    SlotGeneration,
    SlotQuery,
)
from services.citizen.domain import appointments as rules
from services.citizen.domain.appointments import BookingConflict, BookingInvalid, Period

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0003_appointments.py"
#: Monday 30 November 2026, 08:00 in Shenzhen
MONDAY_8AM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 30)
HOURS = [
    *(Period(d, time(9), time(12)) for d in range(1, 6)),
    *(Period(d, time(14), time(17, 30)) for d in range(1, 6)),
    Period(6, time(9), time(12)),
]


def seeded_migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("citizen_0003", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogue_holds_47_service_types_with_unique_well_formed_codes() -> None:
    catalogue = seeded_migration().SERVICE_TYPES
    codes = [code for code, *_ in catalogue]
    assert len(catalogue) == CATALOGUE_SIZE == 47
    assert len(set(codes)) == 47
    for code, name_zh, name_en, category, minutes in catalogue:
        assert re.fullmatch(r"[a-z]{2}(-[a-z0-9]+){1,5}", code) and len(code) <= 40, code
        assert 0 < len(name_zh) <= 60 and 0 < len(name_en) <= 120, code
        assert ServiceCategory(category) and 0 < minutes <= 120, code
    assert "dl-renewal" in codes and "mv-transfer" in codes and "tv-violation-handling" in codes


def test_the_demo_offices_offer_only_catalogue_services() -> None:
    migration = seeded_migration()
    codes = {code for code, *_ in migration.SERVICE_TYPES}
    for office_id, *_, offered in migration.DEMO_OFFICES:
        assert set(offered) <= codes and offered, office_id
    hours = [OpeningPeriod.model_validate(p) for p in migration.WEEKDAY_HOURS]
    assert rules.check_opening_hours([Period(p.weekday, p.opens, p.closes) for p in hours])


def test_slots_fill_each_opening_period_in_local_time_and_waste_the_remainder() -> None:
    times = rules.slot_times(HOURS, MONDAY, MONDAY, 60, MONDAY_8AM - timedelta(days=1))
    local = [start.astimezone(rules.LOCAL_TZ).strftime("%H:%M") for start, _ in times]
    # 17:30 closing: the 16:30 hour would overrun, so it is not cut
    assert local == ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"]
    assert times[0] == (
        datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    )
    assert all(start.tzinfo is UTC for start, _ in times)


def test_slots_follow_the_weekday_and_skip_the_past() -> None:
    week = rules.slot_times(HOURS, MONDAY, MONDAY + timedelta(days=6), 30, MONDAY_8AM)
    by_day: dict[int, int] = {}
    for start, _ in week:
        day = start.astimezone(rules.LOCAL_TZ).isoweekday()
        by_day[day] = by_day.get(day, 0) + 1
    assert by_day == {1: 13, 2: 13, 3: 13, 4: 13, 5: 13, 6: 6}  # nothing on Sunday

    at_ten = MONDAY_8AM + timedelta(hours=2)
    today = rules.slot_times(HOURS, MONDAY, MONDAY, 30, at_ten)
    assert today[0][0].astimezone(rules.LOCAL_TZ).time() == time(10, 30)


def test_overlapping_opening_periods_are_refused() -> None:
    with pytest.raises(BookingInvalid, match="overlap"):
        rules.check_opening_hours([Period(1, time(9), time(12)), Period(1, time(11), time(13))])
    # the same hours on different days are fine
    same_hours = [Period(2, time(9), time(12)), Period(1, time(9), time(12))]
    assert [p.weekday for p in rules.check_opening_hours(same_hours)] == [1, 2]
    with pytest.raises(ValidationError):
        OpeningPeriod(weekday=1, opens=time(12), closes=time(9))
    with pytest.raises(ValidationError):
        OpeningPeriod(weekday=8, opens=time(9), closes=time(12))


def test_generation_is_bounded_in_days_capacity_and_slots() -> None:
    def generation(days: int, capacity: int = 4) -> SlotGeneration:
        return SlotGeneration.model_validate(
            {
                "first_day": MONDAY,
                "last_day": MONDAY + timedelta(days=days - 1),
                "service_codes": ["dl-renewal"],
                "slot_minutes": 30,
                "capacity": capacity,
            }
        )

    assert generation(31).capacity == 4
    for days, capacity in ((32, 4), (0, 4), (1, 0), (1, 51)):
        with pytest.raises(ValidationError):
            generation(days, capacity)
    rules.check_generation_size(1000, 5)
    with pytest.raises(BookingInvalid, match="at most 5000"):
        rules.check_generation_size(1000, 6)


def test_an_office_needs_hours_services_and_a_plain_id() -> None:
    office = {
        "office_id": "office-luohu",
        "name": "罗湖车管所",
        "address": "深圳市罗湖区",
        "location": {"lat": 22.55, "lon": 114.13},
        "opening_hours": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}],
        "service_codes": ["dl-renewal"],
    }
    assert OfficeCreate.model_validate(office).opening_hours[0].opens == time(9)
    for field, bad in (("office_id", "Office Luohu"), ("opening_hours", []), ("service_codes", [])):
        with pytest.raises(ValidationError):
            OfficeCreate.model_validate({**office, field: bad})


def test_a_slot_is_bookable_from_now_until_it_starts_and_up_to_30_days_ahead() -> None:
    rules.check_bookable(MONDAY_8AM + timedelta(minutes=1), MONDAY_8AM)
    rules.check_bookable(MONDAY_8AM + timedelta(days=30), MONDAY_8AM)
    with pytest.raises(BookingConflict, match="started"):
        rules.check_bookable(MONDAY_8AM, MONDAY_8AM)
    with pytest.raises(BookingInvalid, match="30 days"):
        rules.check_bookable(MONDAY_8AM + timedelta(days=30, seconds=1), MONDAY_8AM)


def test_one_open_booking_per_service_and_three_in_all() -> None:
    rules.check_limits([], "dl-renewal")
    rules.check_limits(["mv-transfer", "tv-fine-payment"], "dl-renewal")
    with pytest.raises(BookingConflict, match="open booking for this service"):
        rules.check_limits(["dl-renewal"], "dl-renewal")
    with pytest.raises(BookingConflict, match="3 open bookings"):
        rules.check_limits(["mv-transfer", "tv-fine-payment", "dl-change-address"], "dl-renewal")


def test_a_booking_is_spent_once_its_slot_starts_and_only_an_open_one_changes() -> None:
    later = MONDAY_8AM + timedelta(hours=1)
    booked = BookingStatus.BOOKED
    assert rules.effective_status(booked, later, MONDAY_8AM) is booked
    assert rules.effective_status(booked, MONDAY_8AM, MONDAY_8AM) is BookingStatus.COMPLETED
    assert (
        rules.effective_status(BookingStatus.CANCELLED, MONDAY_8AM, later)
        is BookingStatus.CANCELLED
    )
    rules.check_changeable(booked, later, MONDAY_8AM)
    with pytest.raises(BookingConflict, match="no longer"):
        rules.check_changeable(booked, MONDAY_8AM, MONDAY_8AM)
    with pytest.raises(BookingConflict, match="cancelled"):
        rules.check_changeable(BookingStatus.CANCELLED, later, MONDAY_8AM)


def test_a_booking_moves_only_to_another_slot_of_its_service() -> None:
    here, there = uuid.uuid4(), uuid.uuid4()
    rules.check_move("dl-renewal", here, "dl-renewal", there)
    with pytest.raises(BookingInvalid, match="already"):
        rules.check_move("dl-renewal", here, "dl-renewal", here)
    with pytest.raises(BookingInvalid, match="same service"):
        rules.check_move("dl-renewal", here, "mv-transfer", there)


def test_a_reminder_is_due_within_24_hours_before_the_slot_and_says_the_local_time() -> None:
    assert rules.reminder_due(MONDAY_8AM + timedelta(hours=24), MONDAY_8AM)
    assert not rules.reminder_due(MONDAY_8AM + timedelta(hours=24, seconds=1), MONDAY_8AM)
    assert not rules.reminder_due(MONDAY_8AM, MONDAY_8AM)
    text = rules.reminder_text(
        "驾驶证有效期满换证", "福田车管大厅", "香蜜湖路", datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    )
    assert "12月01日 09:30" in text and "驾驶证有效期满换证" in text and "福田车管大厅" in text


def test_free_slots_are_listed_for_a_week_from_today_unless_said() -> None:
    late_sunday_utc = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # already Monday in Shenzhen
    assert rules.listing_days(None, None, late_sunday_utc) == (MONDAY, MONDAY + timedelta(days=6))
    assert rules.listing_days(MONDAY, MONDAY, late_sunday_utc) == (MONDAY, MONDAY)
    with pytest.raises(BookingInvalid):
        rules.listing_days(None, MONDAY - timedelta(days=1), late_sunday_utc)
    with pytest.raises(ValidationError):
        SlotQuery(
            office_id="office-futian",
            service_code="dl-renewal",
            first_day=MONDAY,
            last_day=MONDAY + timedelta(days=31),
        )
    start, end = rules.local_day_bounds(MONDAY, MONDAY)
    assert (start, end) == (
        datetime(2026, 11, 29, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
    )
