"""School pickup through the gateway: a school gate (with its own device credential) releases a
child only to an authorised, confidently matched guardian during dismissal; a stranger is held,
the school's staff get an SMS, an officer of the school's unit refuses them; the custody log
and the report say so; another branch, a gate of no school's and an officer posing as a gate
are refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from demo import drive
from tests.support.platform import Gateway

PREVENTION = {"X-Purpose": "patrol_and_prevention"}
STAFF_PHONE = "13900139071"
MOTHER_PHONE = "13800138071"
BASE = "/api/v1/prevention/schools"


async def gate_with_credential(gateway: Gateway, admin: str, device_id: str) -> str:
    created = await gateway.client.post(
        "/api/v1/prevention/devices",
        json={
            "device_id": device_id,
            "kind": "gate",
            "name": "school gate",
            "unit_id": "futian-1",
            "location": {"lat": 22.54, "lon": 114.05},
        },
        headers=drive.headers(admin),
    )
    assert created.status_code == 201, created.text
    issued = await gateway.client.post(
        f"/api/v1/prevention/devices/{device_id}/credential:rotate", headers=drive.headers(admin)
    )
    assert issued.status_code == 200, issued.text
    credential: str = issued.json()["credential"]
    return credential


async def post(gateway: Gateway, token: str, path: str, body: dict[str, Any]) -> Any:
    response = await gateway.client.post(
        path, json=body, headers=drive.headers(token, **PREVENTION)
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_a_gate_releases_only_to_the_authorised_and_staff_decide_the_rest(
    gateway: Gateway,
) -> None:
    admin = await gateway.token("o-admin")
    officer = await gateway.token("o-futian")
    suffix = secrets.token_hex(3)
    school_id, gate_id = f"school-{suffix}", f"gate-{suffix}"
    credential = await gate_with_credential(gateway, admin, gate_id)
    stray_credential = await gate_with_credential(gateway, admin, f"gate-stray-{suffix}")

    school = await post(
        gateway,
        admin,
        BASE,
        {
            "school_id": school_id,
            "name": "香蜜湖小学",
            "unit_path": "sz/futian",
            "gate_device_ids": [gate_id],
            "staff_contacts": [{"name": "王老师", "phone": STAFF_PHONE}],
        },
    )
    assert school["unit_path"] == "sz/futian"
    school_path = f"{BASE}/{school_id}"
    await post(
        gateway, officer, f"{school_path}/classes", {"class_id": "3-2", "name": "三年级二班"}
    )
    await post(
        gateway,
        officer,
        f"{school_path}/students",
        {"student_id": "s-1", "name": "李小明", "class_id": "3-2", "person_ref": "p-kid"},
    )
    await post(
        gateway,
        officer,
        f"{school_path}/guardians",
        {"guardian_id": "g-1", "name": "李建国", "phone": MOTHER_PHONE, "person_ref": "p-mum"},
    )
    now = datetime.now(UTC)
    await post(
        gateway,
        officer,
        f"{school_path}/students/s-1/authorisations",
        {"guardian_id": "g-1", "valid_from": (now - timedelta(days=30)).isoformat()},
    )
    await post(
        gateway,
        officer,
        f"{school_path}/dismissal-sessions",
        {
            "class_id": "3-2",
            "starts_at": (now - timedelta(minutes=10)).isoformat(),
            "ends_at": (now + timedelta(minutes=50)).isoformat(),
        },
    )

    def gate_event(event_id: str, person_ref: str, confidence: float) -> dict[str, Any]:
        return {
            "gate_event_id": event_id,
            "student_ref": "p-kid",
            "person_ref": person_ref,
            "confidence": confidence,
            "seen_at": datetime.now(UTC).isoformat(),
        }

    device = {"Authorization": f"Device {credential}"}
    stranger = await gateway.client.post(
        f"{school_path}/gate-events", json=gate_event("e-1", "p-stranger", 0.99), headers=device
    )
    assert stranger.status_code == 200, stranger.text
    assert stranger.json()["released"] is False
    assert stranger.json()["reasons"] == ["not_authorised"]

    # no one else speaks for the gate: another gate, or an officer
    for headers in (
        {"Authorization": f"Device {stray_credential}"},
        drive.headers(officer, **PREVENTION),
    ):
        refused = await gateway.client.post(
            f"{school_path}/gate-events", json=gate_event("e-x", "p-mum", 0.99), headers=headers
        )
        assert refused.status_code == 403, refused.text

    async def staff_alerted() -> list[dict[str, Any]]:
        found = await gateway.client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": STAFF_PHONE, "category": "school_pickup_hold"},
            headers=drive.headers(admin),
        )
        assert found.status_code == 200, found.text
        messages: list[dict[str, Any]] = found.json()
        return messages

    alerts = await drive.until(staff_alerted, "the staff's SMS about the held child")
    assert "李小明" in alerts[0]["body"]

    holds = await gateway.client.get(
        f"{school_path}/holds",
        params={"day": stranger.json()["entry"]["day"]},
        headers=drive.headers(officer, **PREVENTION),
    )
    assert holds.status_code == 200, holds.text
    [hold] = holds.json()["items"]
    refusal = await post(
        gateway,
        officer,
        f"{school_path}/holds/{hold['entry_id']}:resolve",
        {"resolution": "refuse", "note": "家长不认识此人"},
    )
    assert refusal["kind"] == "refused" and refusal["decided_by"] == "o-futian"

    released = await gateway.client.post(
        f"{school_path}/gate-events", json=gate_event("e-2", "p-mum", 0.97), headers=device
    )
    assert released.status_code == 200, released.text
    assert released.json()["released"] is True

    day = released.json()["entry"]["day"]
    no_purpose = await gateway.client.get(
        f"{school_path}/students/s-1/custody", params={"day": day}, headers=drive.headers(officer)
    )
    assert no_purpose.status_code == 403
    custody = await gateway.client.get(
        f"{school_path}/students/s-1/custody",
        params={"day": day},
        headers=drive.headers(officer, **PREVENTION),
    )
    assert custody.status_code == 200, custody.text
    assert [e["kind"] for e in custody.json()["items"]] == ["held", "refused", "released"]

    report = await gateway.client.get(
        f"{school_path}/pickup-report",
        params={"first_day": day, "last_day": day},
        headers=drive.headers(officer),
    )
    assert report.status_code == 200, report.text
    assert report.json()["totals"] == {
        "pickups": 1,
        "gate_releases": 1,
        "manual_verifications": 0,
        "refusals": 1,
        "holds": 1,
    }
    too_long = await gateway.client.get(
        f"{school_path}/pickup-report",
        params={"first_day": "2026-01-01", "last_day": "2026-03-01"},
        headers=drive.headers(officer),
    )
    assert too_long.status_code == 422

    other_branch = await gateway.token("o-nanshan")
    hidden = await gateway.client.get(
        f"{school_path}/students/s-1/custody",
        params={"day": day},
        headers=drive.headers(other_branch, **PREVENTION),
    )
    assert hidden.status_code == 404
