"""Smart communities through the gateway: an administrator sets up a community and its gate,
an officer registers a family (for a declared purpose, within the officer's scope), a parent
consents for their child with their citizen account, the gate's report sends the snapshot to
the parent only, and after withdrawal the gate's reports are refused."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Any

from demo import drive
from tests.support.platform import Gateway

API = "/api/v1/prevention/communities"
PURPOSE = {"X-Purpose": "patrol_and_prevention"}


def new_phone() -> str:
    return f"139{secrets.randbelow(10**8):08d}"


def born(years_ago: int) -> str:
    return date(datetime.now(UTC).year - years_ago, 1, 1).isoformat()


async def gate_with_credential(gateway: Gateway, admin: dict[str, str]) -> tuple[str, str]:
    gate_id = f"gate-e2e-{secrets.token_hex(4)}"
    created = await gateway.client.post(
        "/api/v1/prevention/devices",
        headers=admin,
        json={
            "device_id": gate_id,
            "kind": "gate",
            "name": "东门人脸门禁",
            "unit_id": "futian-1",
            "location": {"lat": 22.54, "lon": 114.05},
        },
    )
    assert created.status_code == 201, created.text
    issued = await gateway.client.post(
        f"/api/v1/prevention/devices/{gate_id}/credential:rotate", headers=admin
    )
    assert issued.status_code == 200, issued.text
    return gate_id, issued.json()["credential"]


async def post(gateway: Gateway, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = await gateway.client.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_a_parent_consents_the_gate_reports_then_withdrawal_stops_the_gate(
    gateway: Gateway,
) -> None:
    admin = drive.headers(await gateway.token("o-admin"))
    officer = drive.headers(await gateway.token("o-futian"), **PURPOSE)
    operator = await gateway.token("o-operator")
    parent_phone = new_phone()
    parent = await drive.sign_in_citizen(gateway.client, parent_phone, operator)
    stranger = await drive.sign_in_citizen(gateway.client, new_phone(), operator)
    as_parent = drive.headers(parent["access_token"])

    # an administrator: the community and its gate
    gate_id, credential = await gate_with_credential(gateway, admin)
    community_id = f"garden-e2e-{secrets.token_hex(4)}"
    await post(
        gateway,
        API,
        admin,
        {"community_id": community_id, "name": "香蜜湖花园", "unit_path": "sz/futian/futian-1"},
    )
    community = await post(gateway, f"{API}/{community_id}/gates", admin, {"gate_ids": [gate_id]})
    assert community["gate_ids"] == [gate_id]

    # an officer of the unit: the family, for a declared purpose
    household = await post(
        gateway, f"{API}/{community_id}/households", officer, {"unit_room": "3栋2单元1201"}
    )
    unpurposed = await gateway.client.post(
        f"{API}/{community_id}/residents",
        headers=drive.headers(await gateway.token("o-futian")),
        json={"household_id": household["household_id"], "name": "王芳", "birth_date": born(40)},
    )
    assert unpurposed.status_code == 403 and unpurposed.json()["code"] == "purpose_required"
    adult = await post(
        gateway,
        f"{API}/{community_id}/residents",
        officer,
        {
            "household_id": household["household_id"],
            "name": "王芳",
            "birth_date": born(40),
            "phone": parent_phone,
            "citizen_id": parent["citizen_id"],
        },
    )
    child = await post(
        gateway,
        f"{API}/{community_id}/residents",
        officer,
        {"household_id": household["household_id"], "name": "王小明", "birth_date": born(9)},
    )
    assert child["age_group"] == "child" and "national" not in child
    await post(
        gateway,
        f"{API}/residents/{child['resident_id']}/guardians",
        officer,
        {"resident_id": adult["resident_id"], "relation": "mother"},
    )
    elsewhere = drive.headers(await gateway.token("o-nanshan"), **PURPOSE)
    hidden = await gateway.client.get(f"{API}/residents/{child['resident_id']}", headers=elsewhere)
    assert hidden.status_code == 404

    # consent: the parent for the child; a stranger and an officer may not
    mine = (await gateway.client.get(f"{API}/residents:mine", headers=as_parent)).json()
    assert {(m["name"], m["decided_as"]) for m in mine["items"]} == {
        ("王芳", "self"),
        ("王小明", "guardian"),
    }
    grant = f"{API}/residents/{child['resident_id']}/face-consent:grant"
    refused = await gateway.client.post(grant, headers=drive.headers(stranger["access_token"]))
    assert refused.status_code == 403 and "guardians" in refused.json()["detail"]
    assert (await gateway.client.post(grant, headers=officer)).status_code == 403
    granted = await post(gateway, grant, as_parent)
    assert granted["enrolled"] and granted["decided_as"] == "guardian"

    # the gate reports; the snapshot goes to the parent's phone, and to nobody else
    as_gate = {"Authorization": f"Device {credential}"}
    snapshot = f"snapshots/{gate_id}/{uuid.uuid4().hex}.jpg"
    passage = {
        "gate_event_id": f"{gate_id}:1",
        "gate_id": gate_id,
        "resident_ref": child["resident_ref"],
        "direction": "out",
        "occurred_at": datetime.now(UTC).isoformat(),
        "snapshot_ref": snapshot,
    }
    receipt = await post(gateway, f"{API}/{community_id}/access-events", as_gate, passage)
    assert receipt["notified"] == 1

    async def delivered() -> list[Any] | None:
        response = await gateway.client.get(
            "/api/v1/citizen/dev/sink",
            params={"recipient": parent_phone, "category": "community_access"},
            headers=drive.headers(operator),
        )
        return (response.json() or None) if response.status_code == 200 else None

    [message] = await drive.until(delivered, "the snapshot message to the parent")
    assert snapshot in message["body"]

    # withdrawal: the enrolment goes, and the gate's next report is refused
    withdrawn = await post(
        gateway, f"{API}/residents/{child['resident_id']}/face-consent:withdraw", as_parent
    )
    assert withdrawn["enrolled"] is False and withdrawn["changed"] is True
    again = await gateway.client.post(
        f"{API}/{community_id}/access-events",
        headers=as_gate,
        json=passage | {"gate_event_id": f"{gate_id}:2"},
    )
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "withdrew consent" in again.json()["detail"]

    history = await gateway.client.get(
        f"{API}/residents/{child['resident_id']}/consents", headers=officer
    )
    assert [h["decision"] for h in history.json()["items"]] == ["withdrawn", "granted"]
    passages = await gateway.client.get(f"{API}/{community_id}/access-events", headers=officer)
    assert [p["gate_event_id"] for p in passages.json()["items"]] == [f"{gate_id}:1"]
