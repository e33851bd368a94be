"""Appointments over RPC with a real broker and database: the seeded catalogue, offices and
slots, booking under contention, a citizen's limits, cancel and reschedule, reminders."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import eventlet
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from chassis.testing.polling import eventually
from contracts.actor import Actor, ActorKind
from services.citizen import appointments_app
from services.citizen.domain.appointments import LOCAL_TZ

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
ALL_DAY = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)]


def new_citizen(db: Engine) -> tuple[Actor, str]:
    """A signed-up citizen (as sign-in leaves one) and their phone."""
    citizen_id = f"c-{secrets.token_hex(8)}"
    phone = f"139{secrets.randbelow(10**8):08d}"
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO citizens (citizen_id, phone_digest, phone) "
                "VALUES (:id, :digest, :phone)"
            ),
            {"id": citizen_id, "digest": secrets.token_hex(16), "phone": phone},
        )
    return Actor(kind=ActorKind.CITIZEN, id=citizen_id, roles=("citizen",)), phone


def tomorrow() -> date:
    return (datetime.now(LOCAL_TZ) + timedelta(days=1)).date()


def open_office(
    call: Callable[..., Any],
    services: list[str],
    *,
    capacity: int = 2,
    days: tuple[date, date] | None = None,
) -> str:
    """An office open around the clock with hourly slots for `days` (tomorrow by default)."""
    office_id = f"office-{secrets.token_hex(4)}"
    admin = call(ADMIN)
    admin.create_office(
        {
            "office_id": office_id,
            "name": "测试车管服务大厅",
            "address": "深圳市福田区测试路 1 号",
            "location": {"lat": 22.54, "lon": 114.05},
            "opening_hours": ALL_DAY,
            "service_codes": services,
        }
    )
    first, last = days or (tomorrow(), tomorrow())
    made = admin.generate_slots(
        office_id,
        {
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "service_codes": services,
            "slot_minutes": 60,
            "capacity": capacity,
        },
    )
    assert made["created"] > 0 and made["existing"] == 0
    return office_id


def free_slots(
    call: Callable[..., Any], office_id: str, service: str, day: date | None = None
) -> list[dict[str, Any]]:
    day = day or tomorrow()
    page = call().list_free_slots(
        {
            "office_id": office_id,
            "service_code": service,
            "first_day": day.isoformat(),
            "last_day": day.isoformat(),
        }
    )
    return list(page["items"])


def book(proxy: Any, slot_id: str, key: str | None = None) -> dict[str, Any]:
    booked: dict[str, Any] = proxy.book_appointment({"slot_id": slot_id}, key or uuid.uuid4().hex)
    return booked


def places_left(call: Callable[..., Any], office_id: str, service: str, slot_id: str) -> int:
    """0 when the slot is no longer listed as free."""
    found = [s for s in free_slots(call, office_id, service) if s["slot_id"] == slot_id]
    return int(found[0]["places_left"]) if found else 0


def refusal(action: Callable[[], Any]) -> RemoteError:
    with pytest.raises(RemoteError) as refused:
        action()
    return refused.value


def test_the_catalogue_is_seeded_with_47_service_types_with_unique_codes(
    call: Callable[..., Any],
) -> None:
    proxy = call()
    everything = proxy.list_service_types({"limit": 500})
    codes = [t["code"] for t in everything["items"]]
    assert len(codes) == 47 and len(set(codes)) == 47
    assert everything["next_cursor"] is None
    renewal = next(t for t in everything["items"] if t["code"] == "dl-renewal")
    assert renewal["name_zh"] == "驾驶证有效期满换证" and renewal["category"] == "driving_licence"

    first = proxy.list_service_types({"limit": 30})
    rest = proxy.list_service_types({"limit": 30, "cursor": first["next_cursor"]})
    assert [t["code"] for t in first["items"] + rest["items"]] == codes


def test_fifty_concurrent_bookings_for_the_last_place_give_exactly_one_success(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    office_id = open_office(call, ["dl-renewal"], capacity=2)
    slot_id = free_slots(call, office_id, "dl-renewal")[0]["slot_id"]
    first, _ = new_citizen(citizen_db)
    book(call(first), slot_id)
    assert places_left(call, office_id, "dl-renewal", slot_id) == 1

    proxies = [call(new_citizen(citizen_db)[0]) for _ in range(50)]
    for proxy in proxies:  # connected and warm, so that the 50 bookings arrive together
        assert proxy.my_appointments({"limit": 1})["items"] == []

    def attempt(proxy: Any) -> str:
        try:
            book(proxy, slot_id)
        except RemoteError as exc:
            assert "full" in str(exc), exc
            return exc.exc_type
        return "booked"

    outcomes = list(eventlet.GreenPool(50).imap(attempt, proxies))
    assert outcomes.count("booked") == 1
    assert outcomes.count("Conflict") == 49
    assert places_left(call, office_id, "dl-renewal", slot_id) == 0
    with citizen_db.connect() as conn:
        booked = conn.execute(
            text("SELECT booked FROM appointment_slots WHERE slot_id = :s"), {"s": slot_id}
        ).scalar()
        bookings = conn.execute(
            text("SELECT count(*) FROM appointment_bookings WHERE slot_id = :s"), {"s": slot_id}
        ).scalar()
    assert booked == bookings == 2


def test_one_open_booking_per_service_and_three_in_all(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    services = ["dl-renewal", "mv-transfer", "tv-fine-payment", "mv-inspection-mark"]
    office_id = open_office(call, services)
    actor, _ = new_citizen(citizen_db)
    proxy = call(actor)
    renewal = free_slots(call, office_id, "dl-renewal")
    first = book(proxy, renewal[0]["slot_id"])
    assert first["status"] == "booked" and first["service_code"] == "dl-renewal"

    again = refusal(lambda: book(proxy, renewal[1]["slot_id"]))
    assert again.exc_type == "Conflict" and "open booking for this service" in str(again)

    for service in ("mv-transfer", "tv-fine-payment"):
        book(proxy, free_slots(call, office_id, service)[0]["slot_id"])
    fourth = refusal(lambda: book(proxy, free_slots(call, office_id, services[3])[0]["slot_id"]))
    assert fourth.exc_type == "Conflict" and "3 open bookings" in str(fourth)

    proxy.cancel_appointment(first["booking_id"])
    book(proxy, free_slots(call, office_id, services[3])[0]["slot_id"])
    assert len(proxy.my_appointments({"limit": 10})["items"]) == 4


def test_cancel_frees_the_place_once_and_another_citizens_booking_is_not_found(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    office_id = open_office(call, ["dl-renewal"], capacity=1)
    slots = free_slots(call, office_id, "dl-renewal")
    owner, _ = new_citizen(citizen_db)
    other, _ = new_citizen(citizen_db)
    mine = book(call(owner), slots[0]["slot_id"])
    assert places_left(call, office_id, "dl-renewal", slots[0]["slot_id"]) == 0

    stranger = call(other)
    for action in (
        lambda: stranger.my_appointment(mine["booking_id"]),
        lambda: stranger.cancel_appointment(mine["booking_id"]),
        lambda: stranger.reschedule_appointment(
            mine["booking_id"], {"slot_id": slots[1]["slot_id"]}, "k1"
        ),
    ):
        assert refusal(action).exc_type == "NotFound"
    assert stranger.my_appointments({"limit": 10})["items"] == []

    cancelled = call(owner).cancel_appointment(mine["booking_id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert call(owner).cancel_appointment(mine["booking_id"]) == cancelled
    assert places_left(call, office_id, "dl-renewal", slots[0]["slot_id"]) == 1
    assert call(owner).my_appointment(mine["booking_id"])["status"] == "cancelled"


def test_rescheduling_to_a_full_slot_keeps_the_booking_and_otherwise_moves_it_at_once(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    office_id = open_office(call, ["mv-transfer"], capacity=1)
    a, b, c = (s["slot_id"] for s in free_slots(call, office_id, "mv-transfer")[:3])
    mover, _ = new_citizen(citizen_db)
    holder, _ = new_citizen(citizen_db)
    booking = book(call(mover), a)
    book(call(holder), b)

    full = refusal(
        lambda: call(mover).reschedule_appointment(booking["booking_id"], {"slot_id": b}, "r1")
    )
    assert full.exc_type == "Conflict" and "stays" in str(full)
    assert call(mover).my_appointment(booking["booking_id"])["slot_id"] == a
    assert places_left(call, office_id, "mv-transfer", a) == 0

    moved = call(mover).reschedule_appointment(booking["booking_id"], {"slot_id": c}, "r2")
    assert moved["booking_id"] == booking["booking_id"]
    assert moved["slot_id"] == c and moved["rescheduled_at"] is not None
    assert places_left(call, office_id, "mv-transfer", a) == 1
    assert places_left(call, office_id, "mv-transfer", c) == 0
    # the same key again is the same move, not a second one
    assert call(mover).reschedule_appointment(booking["booking_id"], {"slot_id": a}, "r2") == moved

    same = refusal(
        lambda: call(mover).reschedule_appointment(booking["booking_id"], {"slot_id": c}, "r3")
    )
    assert same.exc_type == "ValidationFailed"


def test_a_retried_booking_books_once_and_keys_are_each_citizens_own(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    office_id = open_office(call, ["dl-renewal"], capacity=5)
    slot_id = free_slots(call, office_id, "dl-renewal")[0]["slot_id"]
    one, _ = new_citizen(citizen_db)
    two, _ = new_citizen(citizen_db)
    first = book(call(one), slot_id, key="same-key")
    assert book(call(one), slot_id, key="same-key") == first
    theirs = book(call(two), slot_id, key="same-key")
    assert theirs["booking_id"] != first["booking_id"]
    assert places_left(call, office_id, "dl-renewal", slot_id) == 3


def test_bookings_are_listed_newest_first_in_pages(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    services = ["dl-renewal", "mv-transfer", "tv-fine-payment"]
    office_id = open_office(call, services)
    actor, _ = new_citizen(citizen_db)
    proxy = call(actor)
    made = [book(proxy, free_slots(call, office_id, s)[0]["slot_id"]) for s in services]
    first = proxy.my_appointments({"limit": 2})
    rest = proxy.my_appointments({"limit": 2, "cursor": first["next_cursor"]})
    listed = [b["booking_id"] for b in first["items"] + rest["items"]]
    assert listed == [b["booking_id"] for b in reversed(made)]
    assert rest["next_cursor"] is None
    bad = refusal(lambda: proxy.my_appointments({"limit": 2, "cursor": "yesterday"}))
    assert bad.exc_type == "ValidationFailed"


def test_slots_are_bookable_only_ahead_and_within_30_days(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    far = (datetime.now(LOCAL_TZ) + timedelta(days=32)).date()
    office_id = open_office(call, ["dl-renewal"], days=(far, far))
    actor, _ = new_citizen(citizen_db)
    too_far = free_slots(call, office_id, "dl-renewal", far)[0]["slot_id"]
    refused = refusal(lambda: book(call(actor), too_far))
    assert refused.exc_type == "ValidationFailed" and "30 days" in str(refused)

    started = uuid.uuid4()
    with citizen_db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO appointment_slots (slot_id, office_id, service_code, starts_at, "
                "ends_at, capacity) VALUES (:id, :office, 'dl-renewal', now() - interval '5 "
                "minutes', now() + interval '55 minutes', 3)"
            ),
            {"id": started, "office": office_id},
        )
    late = refusal(lambda: book(call(actor), str(started)))
    assert late.exc_type == "Conflict" and "started" in str(late)
    missing = refusal(lambda: book(call(actor), str(uuid.uuid4())))
    assert missing.exc_type == "NotFound"


def test_only_administrators_make_offices_and_slots_and_bad_requests_are_explained(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    office = {
        "office_id": "office-luohu",
        "name": "罗湖车管所",
        "address": "深圳市罗湖区",
        "location": {"lat": 22.55, "lon": 114.13},
        "opening_hours": [{"weekday": 1, "opens": "09:00", "closes": "12:00"}],
        "service_codes": ["dl-renewal"],
    }
    actor, _ = new_citizen(citizen_db)
    assert refusal(lambda: call(actor).create_office(office)).exc_type == "Forbidden"
    admin = call(ADMIN)
    created = admin.create_office(office)
    assert created["opening_hours"] == [{"weekday": 1, "opens": "09:00:00", "closes": "12:00:00"}]
    assert refusal(lambda: admin.create_office(office)).exc_type == "Conflict"
    unknown = refusal(
        lambda: admin.create_office(
            {**office, "office_id": "office-x1", "service_codes": ["dl-teleport"]}
        )
    )
    assert unknown.exc_type == "ValidationFailed" and "dl-teleport" in str(unknown)

    day = tomorrow().isoformat()
    generation = {
        "first_day": day,
        "last_day": day,
        "service_codes": ["mv-transfer"],
        "slot_minutes": 30,
        "capacity": 2,
    }
    not_offered = refusal(lambda: admin.generate_slots("office-luohu", generation))
    assert not_offered.exc_type == "ValidationFailed" and "mv-transfer" in str(not_offered)
    absent = refusal(lambda: admin.generate_slots("office-nowhere", generation))
    assert absent.exc_type == "NotFound"
    listed = call().list_offices({"service_code": "dl-renewal"})
    assert [o["office_id"] for o in listed["items"]] == ["office-luohu"]
    assert call().list_offices({"service_code": "mv-transfer"})["items"] == []


def test_a_booking_starting_within_a_day_is_reminded_by_sms_once(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    today = datetime.now(LOCAL_TZ).date()
    office_id = open_office(call, ["dl-renewal"], days=(today, today + timedelta(days=1)))
    soon = next(
        s
        for s in free_slots(call, office_id, "dl-renewal", today)
        + free_slots(call, office_id, "dl-renewal", today + timedelta(days=1))
        if datetime.fromisoformat(s["starts_at"]) > datetime.now(UTC) + timedelta(hours=1)
    )
    actor, phone = new_citizen(citizen_db)
    call(actor).book_appointment({"slot_id": soon["slot_id"]}, "remind-me")

    def remind() -> int:
        with Session(citizen_db) as session, session.begin():
            return appointments_app.send_due_reminders(session, datetime.now(UTC), 100)

    assert remind() == 1
    proxy = call()
    messages = eventually(
        lambda: proxy.sink_messages(recipient=phone, category="appointment_reminder"),
        what="the reminder in the sink",
    )
    assert len(messages) == 1 and "驾驶证有效期满换证" in messages[0]["body"]
    assert remind() == 0
    with citizen_db.connect() as conn:
        pending = conn.execute(
            text("SELECT count(*) FROM notifications WHERE category = 'appointment_reminder'")
        ).scalar()
    assert pending == 1
    assert len(proxy.sink_messages(recipient=phone, category="appointment_reminder")) == 1


def test_two_reminder_passes_at_once_remind_each_booking_once(
    call: Callable[..., Any], citizen_db: Engine
) -> None:
    today = datetime.now(LOCAL_TZ).date()
    office_id = open_office(call, ["mv-transfer"], days=(today, today + timedelta(days=1)))
    soon = next(
        s
        for s in free_slots(call, office_id, "mv-transfer", today)
        + free_slots(call, office_id, "mv-transfer", today + timedelta(days=1))
        if datetime.fromisoformat(s["starts_at"]) > datetime.now(UTC) + timedelta(minutes=5)
    )
    actor, _ = new_citizen(citizen_db)
    book(call(actor), soon["slot_id"])
    now = datetime.now(UTC)
    with Session(citizen_db) as first, first.begin():
        assert appointments_app.send_due_reminders(first, now, 100) == 1
        # the first pass has not committed: the second skips its claimed booking
        with Session(citizen_db) as second, second.begin():
            assert appointments_app.send_due_reminders(second, now, 100) == 0
    with Session(citizen_db) as third, third.begin():
        assert appointments_app.send_due_reminders(third, now, 100) == 0
