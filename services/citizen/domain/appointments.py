"""Rules of appointments: slots cut from weekly opening hours, when a slot may be booked,
cancelled or moved to, a citizen's limits, and when a booking is reminded. No I/O."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.appointments import (
    DEFAULT_LISTING_DAYS,
    MAX_LISTING_DAYS,
    MAX_SLOTS_PER_GENERATION,
    BookingStatus,
)

#: opening hours are the city's wall-clock times
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: open bookings (slot not started) one citizen may hold at once, across all services
MAX_OPEN_BOOKINGS = 3
#: how far ahead a slot may be booked
BOOKING_HORIZON = timedelta(days=30)
#: a booking is reminded once, when its slot starts within this
REMINDER_LEAD = timedelta(hours=24)


class BookingConflict(Exception):
    """The request clashes with the state of things (a full slot, a limit reached): 409."""


class BookingInvalid(Exception):
    """The request can never succeed as asked (a slot too far ahead, another service): 422."""


@dataclass(frozen=True)
class Period:
    """One stretch of opening time on an ISO weekday (1 = Monday), local wall-clock times."""

    weekday: int
    opens: time
    closes: time


def check_opening_hours(periods: Sequence[Period]) -> list[Period]:
    """The periods sorted by weekday and time; overlapping periods on one day are refused."""
    ordered = sorted(periods, key=lambda p: (p.weekday, p.opens, p.closes))
    for earlier, later in itertools.pairwise(ordered):
        if earlier.weekday == later.weekday and later.opens < earlier.closes:
            raise BookingInvalid(
                f"opening periods overlap on weekday {later.weekday}: "
                f"{earlier.opens:%H:%M}-{earlier.closes:%H:%M} and "
                f"{later.opens:%H:%M}-{later.closes:%H:%M}"
            )
    return ordered


def local_day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The instants (UTC) at which local `first_day` begins and local `last_day` ends."""
    start = datetime.combine(first_day, time(0), LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def listing_days(first_day: date | None, last_day: date | None, now: datetime) -> tuple[date, date]:
    """The local days a listing of free slots covers: from today, for a week, unless said."""
    first = first_day or now.astimezone(LOCAL_TZ).date()
    last = last_day or first + timedelta(days=DEFAULT_LISTING_DAYS - 1)
    if last < first or (last - first).days + 1 > MAX_LISTING_DAYS:
        raise BookingInvalid(f"list free slots for 1-{MAX_LISTING_DAYS} days at once")
    return first, last


def slot_times(
    periods: Iterable[Period],
    first_day: date,
    last_day: date,
    slot_minutes: int,
    now: datetime,
) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every whole slot that fits in the opening hours of each local day
    of the range and starts after `now`, earliest first. A period's remainder shorter than a
    slot is left unused."""
    length = timedelta(minutes=slot_minutes)
    by_weekday: dict[int, list[Period]] = {}
    for period in periods:
        by_weekday.setdefault(period.weekday, []).append(period)
    times: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        for period in sorted(by_weekday.get(day.isoweekday(), ()), key=lambda p: p.opens):
            start = datetime.combine(day, period.opens, LOCAL_TZ)
            closes = datetime.combine(day, period.closes, LOCAL_TZ)
            while start + length <= closes:
                if start > now:
                    times.append((start.astimezone(UTC), (start + length).astimezone(UTC)))
                start += length
        day += timedelta(days=1)
    return times


def check_generation_size(slots_per_service: int, services: int) -> None:
    if slots_per_service * services > MAX_SLOTS_PER_GENERATION:
        raise BookingInvalid(
            f"that would make {slots_per_service * services} slots: at most "
            f"{MAX_SLOTS_PER_GENERATION} at once (fewer days, services, or longer slots)"
        )


def check_bookable(starts_at: datetime, now: datetime) -> None:
    """A slot may be booked (or moved to) from now until it starts, at most 30 days ahead."""
    if starts_at <= now:
        raise BookingConflict("the slot has already started: choose a later one")
    if starts_at > now + BOOKING_HORIZON:
        raise BookingInvalid(
            f"slots may be booked at most {BOOKING_HORIZON.days} days ahead: choose an earlier one"
        )


def check_limits(open_service_codes: Sequence[str], service_code: str) -> None:
    """One open booking per service type, and at most three open bookings in all."""
    if service_code in open_service_codes:
        raise BookingConflict(
            "you already have an open booking for this service: reschedule or cancel it"
        )
    if len(open_service_codes) >= MAX_OPEN_BOOKINGS:
        raise BookingConflict(
            f"you already have {MAX_OPEN_BOOKINGS} open bookings: cancel one to book another"
        )


def effective_status(status: BookingStatus, starts_at: datetime, now: datetime) -> BookingStatus:
    """A booking whose slot has started is spent, whether or not it was stored as such."""
    if status is BookingStatus.BOOKED and starts_at <= now:
        return BookingStatus.COMPLETED
    return status


def check_changeable(status: BookingStatus, starts_at: datetime, now: datetime) -> None:
    """Cancel or reschedule an open booking until its slot starts."""
    current = effective_status(status, starts_at, now)
    if current is BookingStatus.CANCELLED:
        raise BookingConflict("the booking is cancelled")
    if current is BookingStatus.COMPLETED:
        raise BookingConflict("the booking's slot has started: it can no longer be changed")


def check_move(
    booked_service: str, booked_slot: object, new_service: str, new_slot: object
) -> None:
    if new_slot == booked_slot:
        raise BookingInvalid("the booking is in that slot already")
    if new_service != booked_service:
        raise BookingInvalid(
            "a booking moves to another slot of the same service: book the other service anew"
        )


def reminder_due(starts_at: datetime, now: datetime) -> bool:
    return now < starts_at <= now + REMINDER_LEAD


def reminder_text(service_name: str, office_name: str, address: str, starts_at: datetime) -> str:
    local = starts_at.astimezone(LOCAL_TZ)
    return (
        f"【深圳交警】您预约的“{service_name}”将于 {local:%m月%d日 %H:%M} 在{office_name}"
        f"（{address}）办理，请携带身份证件按时到场；如不能前往，请提前取消或改约。"
    )
