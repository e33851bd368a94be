"""Appointments through the gateway: the public catalogue and offices, citizens booking the last
place of a slot all at once, and a citizen's bookings kept from every other citizen."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from demo import drive
from tests.support.platform import Gateway, GatewayFactory

API = "/api/v1/citizen/appointments"
SHENZHEN = ZoneInfo("Asia/Shanghai")
ALL_DAY = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)]
#: sign-ins at once: each costs the citizen service two argon2 computations, on 2 cores
SIGN_IN_CONCURRENCY = 4


def new_phone() -> str:
    return f"139{secrets.randbelow(10**8):08d}"


async def citizens(gateway: Gateway, count: int) -> list[dict[str, str]]:
    """Authorization headers of `count` newly signed-in citizens."""
    operator = await gateway.token("o-operator")
    gate = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

    async def one() -> dict[str, str]:
        async with gate:
            grant = await drive.sign_in_citizen(gateway.client, new_phone(), operator)
        return drive.headers(grant["access_token"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def office_with_slots(gateway: Gateway, service: str, capacity: int) -> str:
    """A new hall open around the clock, with hourly slots tomorrow (local time)."""
    admin = drive.headers(await gateway.token("o-admin"))
    office_id = f"office-e2e-{secrets.token_hex(4)}"
    created = await gateway.client.post(
        f"{API}/offices",
        headers=admin,
        json={
            "office_id": office_id,
            "name": "端到端测试服务大厅",
            "address": "深圳市福田区测试路 2 号",
            "location": {"lat": 22.54, "lon": 114.05},
            "opening_hours": ALL_DAY,
            "service_codes": [service],
        },
    )
    assert created.status_code == 201, created.text
    tomorrow = (datetime.now(SHENZHEN) + timedelta(days=1)).date().isoformat()
    made = await gateway.client.post(
        f"{API}/offices/{office_id}/slots:generate",
        headers=admin,
        json={
            "first_day": tomorrow,
            "last_day": tomorrow,
            "service_codes": [service],
            "slot_minutes": 60,
            "capacity": capacity,
        },
    )
    assert made.status_code == 200, made.text
    assert made.json()["created"] == 23  # 23:00-24:00 would overrun 23:59
    return office_id


async def free_slots(client: httpx.AsyncClient, office_id: str, service: str) -> list[Any]:
    tomorrow = (datetime.now(SHENZHEN) + timedelta(days=1)).date().isoformat()
    listed = await client.get(
        f"{API}/offices/{office_id}/slots",
        params={"service_code": service, "first_day": tomorrow, "last_day": tomorrow},
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def book(client: httpx.AsyncClient, citizen: dict[str, str], slot_id: str) -> httpx.Response:
    return await client.post(
        f"{API}/bookings",
        headers={**citizen, "Idempotency-Key": uuid.uuid4().hex},
        json={"slot_id": slot_id},
    )


async def test_fifty_citizens_booking_the_last_place_at_once_one_succeeds_the_others_get_409(
    gateway_factory: GatewayFactory,
) -> None:
    # 51 sign-ins from one address, and argon2 under load: generous limits for the set-up
    gateway: Gateway = await gateway_factory(
        login_rate_per_s=200.0, login_burst=200, rpc_timeout_s=30.0
    )
    office_id = await office_with_slots(gateway, "dl-renewal", capacity=2)
    slot_id = (await free_slots(gateway.client, office_id, "dl-renewal"))[0]["slot_id"]
    first, *others = await citizens(gateway, 51)
    assert (await book(gateway.client, first, slot_id)).status_code == 201

    answers = await asyncio.gather(*(book(gateway.client, c, slot_id) for c in others))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 49, statuses
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "conflict"
        assert "full" in refused.json()["detail"]
    winner = next(a for a in answers if a.status_code == 201).json()
    assert winner["slot_id"] == slot_id and winner["status"] == "booked"
    remaining = await free_slots(gateway.client, office_id, "dl-renewal")
    assert slot_id not in {s["slot_id"] for s in remaining}


async def test_one_citizen_cannot_read_or_change_anothers_booking(gateway: Gateway) -> None:
    office_id = await office_with_slots(gateway, "mv-transfer", capacity=3)
    slots = await free_slots(gateway.client, office_id, "mv-transfer")
    owner, stranger = await citizens(gateway, 2)
    booked = await book(gateway.client, owner, slots[0]["slot_id"])
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["booking_id"]

    mine = await gateway.client.get(f"{API}/bookings/{booking_id}", headers=owner)
    assert mine.status_code == 200 and mine.json()["office_id"] == office_id
    for response in (
        await gateway.client.get(f"{API}/bookings/{booking_id}", headers=stranger),
        await gateway.client.post(f"{API}/bookings/{booking_id}:cancel", headers=stranger),
        await gateway.client.post(
            f"{API}/bookings/{booking_id}:reschedule",
            headers=stranger,
            json={"slot_id": slots[1]["slot_id"]},
        ),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found"
    theirs = await gateway.client.get(f"{API}/bookings", headers=stranger)
    assert theirs.status_code == 200 and theirs.json()["items"] == []

    listed = await gateway.client.get(f"{API}/bookings", headers=owner)
    assert [b["booking_id"] for b in listed.json()["items"]] == [booking_id]
    moved = await gateway.client.post(
        f"{API}/bookings/{booking_id}:reschedule",
        headers={**owner, "Idempotency-Key": "move-1"},
        json={"slot_id": slots[1]["slot_id"]},
    )
    assert moved.status_code == 200 and moved.json()["slot_id"] == slots[1]["slot_id"]
    cancelled = await gateway.client.post(f"{API}/bookings/{booking_id}:cancel", headers=owner)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_the_catalogue_and_offices_are_public_and_bookings_are_citizens_own(
    gateway: Gateway,
) -> None:
    catalogue = await gateway.client.get(f"{API}/service-types", params={"limit": 100})
    assert catalogue.status_code == 200, catalogue.text
    codes = [t["code"] for t in catalogue.json()["items"]]
    assert len(codes) == len(set(codes)) == 47

    offices = await gateway.client.get(f"{API}/offices", params={"service_code": "mv-transfer"})
    assert offices.status_code == 200
    assert "office-futian" in {o["office_id"] for o in offices.json()["items"]}
    futian = await gateway.client.get(f"{API}/offices/office-futian")
    assert futian.status_code == 200
    assert {"weekday": 6, "opens": "09:00:00", "closes": "12:00:00"} in futian.json()[
        "opening_hours"
    ]
    assert (await gateway.client.get(f"{API}/offices/office-atlantis")).status_code == 404

    officer = drive.headers(await gateway.token("o-futian"))
    assert (await gateway.client.get(f"{API}/bookings", headers=officer)).status_code == 403
    assert (await gateway.client.get(f"{API}/bookings")).status_code == 401
    (citizen,) = await citizens(gateway, 1)
    refused = await gateway.client.post(
        f"{API}/offices",
        headers=citizen,
        json={
            "office_id": "office-by-a-citizen",
            "name": "x",
            "address": "x",
            "location": {"lat": 22.5, "lon": 114.0},
            "opening_hours": ALL_DAY,
            "service_codes": ["dl-renewal"],
        },
    )
    assert refused.status_code == 403
    bad = await gateway.client.post(f"{API}/bookings", headers=citizen, json={"slot_id": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "slot_id"


async def test_a_retried_booking_with_the_same_idempotency_key_books_once(
    gateway: Gateway,
) -> None:
    office_id = await office_with_slots(gateway, "tv-fine-payment", capacity=2)
    slot_id = (await free_slots(gateway.client, office_id, "tv-fine-payment"))[0]["slot_id"]
    (citizen,) = await citizens(gateway, 1)
    headers = {**citizen, "Idempotency-Key": "book-once"}
    first = await gateway.client.post(f"{API}/bookings", headers=headers, json={"slot_id": slot_id})
    again = await gateway.client.post(f"{API}/bookings", headers=headers, json={"slot_id": slot_id})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    slots = await free_slots(gateway.client, office_id, "tv-fine-payment")
    assert next(s for s in slots if s["slot_id"] == slot_id)["places_left"] == 1
