"""Move my car and "who looked at my data" through the gateway."""

from __future__ import annotations

import re
import secrets

from demo import drive
from tests.support.platform import Gateway

ELEVEN_DIGITS = re.compile(r"1[3-9][0-9]{9}")
ADMIN_PURPOSE = {"X-Purpose": "system_operations"}


def new_phone() -> str:
    return f"136{secrets.randbelow(10**8):08d}"


async def registered_vehicle(gateway: Gateway, owner_phone: str) -> tuple[str, str, str]:
    """A person and their car, as registration has them: (plate, name, national id)."""
    admin = await gateway.token("o-admin")
    n = secrets.randbelow(10**4)
    person = {
        "person_id": f"p-e2e-{secrets.token_hex(4)}",
        "name": "赵小川",
        "national_id": f"44030419900101{n:04d}",
        "phone": owner_phone,
    }
    plate = f"粤B{secrets.choice('ACDEFGH')}{n:04d}"
    created = await gateway.client.post(
        "/api/v1/data/persons", json=person, headers=drive.headers(admin, **ADMIN_PURPOSE)
    )
    assert created.status_code == 201, created.text
    vehicle = {"plate": plate, "vehicle_type": "small_car", "owner_person_id": person["person_id"]}
    created = await gateway.client.post(
        "/api/v1/data/vehicles", json=vehicle, headers=drive.headers(admin, **ADMIN_PURPOSE)
    )
    assert created.status_code == 201, created.text
    return plate, person["name"], person["national_id"]


async def test_move_my_car_relays_without_a_phone_number_and_limits_the_requester(
    gateway: Gateway,
) -> None:
    operator = await gateway.token("o-operator")
    owner_phone = new_phone()
    plate, _, _ = await registered_vehicle(gateway, owner_phone)
    requester = await drive.sign_in_citizen(gateway.client, new_phone(), operator)
    as_requester = drive.headers(requester["access_token"])
    body = {"plate": plate, "location": {"lat": 22.54, "lon": 114.03}, "place": "车库 B2-117"}

    asked = await gateway.client.post(
        "/api/v1/citizen/move-my-car", json=body, headers=as_requester
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "notified"
    assert not ELEVEN_DIGITS.search(asked.text)

    async def owners_messages() -> list[dict[str, str]] | None:
        response = await gateway.client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": owner_phone, "category": "move_my_car"},
            headers=drive.headers(operator),
        )
        return response.json() if len(response.json()) == 2 else None

    for message in await drive.until(owners_messages, "an SMS and a call to the owner"):
        assert not ELEVEN_DIGITS.search(message["body"])

    listed = await gateway.client.get("/api/v1/citizen/move-my-car", headers=as_requester)
    assert listed.status_code == 200 and not ELEVEN_DIGITS.search(listed.text)

    for _ in range(2):
        again = await gateway.client.post(
            "/api/v1/citizen/move-my-car", json=body, headers=as_requester
        )
        assert again.status_code == 201
    limited = await gateway.client.post(
        "/api/v1/citizen/move-my-car", json=body, headers=as_requester
    )
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["code"] == "rate_limited"


async def test_a_verified_citizen_sees_which_units_read_their_records(gateway: Gateway) -> None:
    operator = await gateway.token("o-operator")
    phone = new_phone()
    plate, name, national_id = await registered_vehicle(gateway, phone)
    citizen = await drive.sign_in_citizen(gateway.client, phone, operator)
    as_citizen = drive.headers(citizen["access_token"])

    unverified = await gateway.client.get("/api/v1/citizen/me/data-access", headers=as_citizen)
    assert unverified.status_code == 409
    verified = await gateway.client.post(
        "/api/v1/citizen/me/identity",
        json={"name": name, "national_id": national_id},
        headers=as_citizen,
    )
    assert verified.status_code == 200, verified.text

    officer = await gateway.token("o-futian")
    dossier = await gateway.client.get(
        f"/api/v1/data/vehicles/{plate}/dossier",
        headers=drive.headers(officer, **{"X-Purpose": "traffic_enforcement"}),
    )
    assert dossier.status_code == 200, dossier.text

    async def report() -> dict[str, object] | None:
        response = await gateway.client.get("/api/v1/citizen/me/data-access", headers=as_citizen)
        assert response.status_code == 200, response.text
        found: dict[str, object] = response.json()
        return found if found["items"] else None

    found = await drive.until(report, "the officer's read in the report")
    items = found["items"]
    assert isinstance(items, list)
    assert {(i["unit"], i["purpose"]) for i in items} == {("futian-1", "traffic_enforcement")}
    assert all(i["officer"] is None for i in items)
