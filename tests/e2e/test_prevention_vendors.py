"""Vendor payloads through the gateway: a checkpoint posts its GA/T 1400 list and a camera its
ISAPI ANPR alert with their own credentials; each is answered in its style, recorded once however
often it is resent, and what cannot be read is refused with the reason."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.vendor_payloads import LOCAL_TIME_ZONE, MAX_PAYLOAD_BYTES
from demo import drive
from tests.support.platform import Gateway

FIXTURES = Path(__file__).parents[2] / "services" / "prevention" / "tests" / "fixtures" / "vendors"
API = "/api/v1/prevention/vendors"
XML = {"Content-Type": "application/xml"}


async def device_with_credential(gateway: Gateway, device_id: str, kind: str) -> dict[str, str]:
    admin = drive.headers(await gateway.token("o-admin"))
    created = await gateway.client.post(
        "/api/v1/prevention/devices",
        headers=admin,
        json={
            "device_id": device_id,
            "kind": kind,
            "name": "深南大道卡口",
            "unit_id": "futian",
            "location": {"lat": 22.5431, "lon": 114.0579},
        },
    )
    assert created.status_code == 201, created.text
    issued = await gateway.client.post(
        f"/api/v1/prevention/devices/{device_id}/credential:rotate", headers=admin
    )
    assert issued.status_code == 200, issued.text
    return {"Authorization": f"Device {issued.json()['credential']}"}


def gat1400_upload(device_id: str, passed: datetime) -> bytes:
    document = json.loads((FIXTURES / "gat1400_motor_vehicles.json").read_bytes())
    for offset, item in enumerate(document["MotorVehicleListObject"]["MotorVehicleObject"]):
        item["DeviceID"] = device_id
        local = (passed + timedelta(seconds=offset)).astimezone(LOCAL_TIME_ZONE)
        item["PassTime"] = local.strftime("%Y%m%d%H%M%S")
    return json.dumps(document, ensure_ascii=False).encode()


def statuses_of(answer: dict[str, Any]) -> list[tuple[str, int, str]]:
    statuses = answer["ResponseStatusListObject"]["ResponseStatusObject"]
    return [(s["Id"], s["StatusCode"], s["StatusString"]) for s in statuses]


async def test_a_checkpoint_posts_gat1400_and_is_answered_object_by_object(
    gateway: Gateway,
) -> None:
    device_id = f"4403040000132{secrets.randbelow(10**7):07d}"
    as_device = await device_with_credential(gateway, device_id, "checkpoint")
    body = gat1400_upload(device_id, datetime.now(UTC) - timedelta(minutes=2))
    headers = {**as_device, "Content-Type": "application/VIID+JSON"}
    url = f"{API}/gat1400/motor-vehicles"

    answered = await gateway.client.post(url, headers=headers, content=body)

    assert answered.status_code == 200, answered.text
    statuses = answered.json()["ResponseStatusListObject"]["ResponseStatusObject"]
    assert [(s["StatusCode"], s["Id"][-5:]) for s in statuses] == [
        (0, "00001"),
        (0, "00002"),
        (8, "00003"),
    ]
    assert statuses[2]["StatusString"].startswith("no_plate")
    again = await gateway.client.post(url, headers=headers, content=body)
    assert again.status_code == 200, again.text
    assert statuses_of(again.json()) == statuses_of(answered.json())


async def test_a_camera_posts_an_isapi_alert_once_and_unreadable_xml_is_refused(
    gateway: Gateway,
) -> None:
    camera = f"cam-e2e-{secrets.token_hex(4)}"
    as_camera = await device_with_credential(gateway, camera, "camera")
    seen_at = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(LOCAL_TIME_ZONE)
    alert = re.sub(
        r"<dateTime>[^<]*</dateTime>",
        f"<dateTime>{seen_at.isoformat(timespec='milliseconds')}</dateTime>",
        (FIXTURES / "isapi_anpr.xml").read_text(),
    ).encode()

    url, headers = f"{API}/isapi/anpr", {**as_camera, **XML}
    first = await gateway.client.post(url, headers=headers, content=alert)
    assert first.status_code == 200, first.text
    receipt = first.json()
    assert (receipt["accepted"], receipt["rejected"], receipt["replayed"]) == (1, [], False)
    assert receipt["event_id"]
    resent = await gateway.client.post(url, headers=headers, content=alert)
    assert resent.json() == receipt | {"replayed": True}

    entities = (
        b'<!DOCTYPE a [<!ENTITY x "lol">]><EventNotificationAlert>&x;</EventNotificationAlert>'
    )
    refused = await gateway.client.post(url, headers=headers, content=entities)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "payload", "problem": "forbidden_xml"}]

    too_large = await gateway.client.post(
        url, headers=headers, content=b" " * (MAX_PAYLOAD_BYTES + 1)
    )
    assert too_large.status_code == 413

    officer = drive.headers(await gateway.token("o-futian"))
    not_a_device = await gateway.client.post(url, headers={**officer, **XML}, content=alert)
    assert not_a_device.status_code == 403
