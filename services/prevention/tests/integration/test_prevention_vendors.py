"""Vendor payloads against real RabbitMQ and PostgreSQL: a device's GA/T 1400 and ISAPI uploads
take the `record_sightings` path (validation, idempotency, one event through the outbox), a
resent payload is recorded once, and unreadable payloads are refused with their reason."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.sightings import SIGHTING_RECORDED
from contracts.vendor_payloads import LOCAL_TIME_ZONE

FIXTURES = Path(__file__).parents[1] / "fixtures" / "vendors"
ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
OFFICER = Actor(kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", roles=("officer",))
Call = Callable[..., Any]


def as_device(device_id: str) -> Actor:
    return Actor(kind=ActorKind.DEVICE, id=device_id, unit="futian")


def register(call: Call, device_id: str) -> str:
    call(ADMIN).register_device(
        {
            "device_id": device_id,
            "kind": "checkpoint",
            "name": "深南大道卡口",
            "unit_id": "futian",
            "location": {"lat": 22.5431, "lon": 114.0579},
        }
    )
    return device_id


def gat1400_upload(device_id: str, passed: datetime) -> bytes:
    """The fixture from `device_id`, its objects passing a second apart from `passed`."""
    document = json.loads((FIXTURES / "gat1400_motor_vehicles.json").read_bytes())
    for offset, item in enumerate(document["MotorVehicleListObject"]["MotorVehicleObject"]):
        item["DeviceID"] = device_id
        local = (passed + timedelta(seconds=offset)).astimezone(LOCAL_TIME_ZONE)
        item["PassTime"] = local.strftime("%Y%m%d%H%M%S")
    return json.dumps(document, ensure_ascii=False).encode()


def isapi_alert(seen_at: datetime) -> bytes:
    text = (FIXTURES / "isapi_anpr.xml").read_text()
    local = seen_at.astimezone(LOCAL_TIME_ZONE).isoformat(timespec="milliseconds")
    return re.sub(r"<dateTime>[^<]*</dateTime>", f"<dateTime>{local}</dateTime>", text).encode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def recorded(engine: Engine, batch_id: str) -> list[dict[str, Any]]:
    """Payloads of `prevention.sighting.recorded.v1` events staged for this batch."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == SIGHTING_RECORDED)
        ).scalars()
        payloads = [orjson.loads(r)["payload"] for r in rows]
    return [p for p in payloads if p["batch_id"] == batch_id]


def refusal(method: Callable[..., Any], *args: Any) -> RemoteError:
    with pytest.raises(RemoteError) as refused:
        method(*args)
    return refused.value


def test_a_gat1400_upload_is_recorded_as_its_sightings_once(
    call: Call, prevention_db: Engine
) -> None:
    device = register(call, f"4403040000132{secrets.randbelow(10**7):07d}")
    passed = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    raw = gat1400_upload(device, passed)

    receipt = call(as_device(device)).record_vendor_payload("gat1400", b64(raw))

    assert receipt["format"] == "gat1400" and receipt["items"] == 3
    assert receipt["accepted"] == 2 and receipt["replayed"] is False
    assert [(r["index"], r["reason"]) for r in receipt["rejected"]] == [(2, "no_plate")]
    assert receipt["item_ids"][0] == "440304000013200000010220261129080512000010200001"
    (event,) = recorded(prevention_db, receipt["batch_id"])
    assert event["unit"] == "futian"
    assert [
        (s["device_id"], s["plate"], datetime.fromisoformat(s["seen_at"]))
        for s in event["sightings"]
    ] == [
        (device, "粤B12345", passed),
        (device, "粤BD01234", passed + timedelta(seconds=1)),
    ]
    assert event["sightings"][1]["location"] == {"lat": 22.543099, "lon": 114.057868}

    again = call(as_device(device)).record_vendor_payload("gat1400", b64(raw))
    assert again == {**receipt, "replayed": True}
    assert len(recorded(prevention_db, receipt["batch_id"])) == 1


def test_an_isapi_anpr_alert_is_recorded_as_the_cameras_sighting(
    call: Call, prevention_db: Engine
) -> None:
    camera = register(call, f"cam-{secrets.token_hex(4)}")
    seen_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)

    receipt = call(as_device(camera)).record_vendor_payload("isapi", b64(isapi_alert(seen_at)))

    assert (receipt["items"], receipt["accepted"], receipt["rejected"]) == (1, 1, [])
    assert receipt["item_ids"] == ["7c1e5a9f-2b44-4e0d-9f63-1a2b3c4d5e6f"]
    (event,) = recorded(prevention_db, receipt["batch_id"])
    (sighting,) = event["sightings"]
    assert (sighting["device_id"], sighting["plate"]) == (camera, "粤B6F7K2")
    assert datetime.fromisoformat(sighting["seen_at"]) == seen_at
    # no location in the alert: the sighting stands where the camera is registered
    assert sighting["location"] == {"lat": 22.5431, "lon": 114.0579}


def test_what_the_platforms_rules_refuse_is_named_by_the_items_index(
    call: Call, prevention_db: Engine
) -> None:
    device = f"4403040000132{secrets.randbelow(10**7):07d}"  # never registered
    passed = datetime.now(UTC) - timedelta(minutes=3)

    receipt = call(as_device(device)).record_vendor_payload(
        "gat1400", b64(gat1400_upload(device, passed))
    )

    assert receipt["accepted"] == 0 and receipt["event_id"] is None
    assert [(r["index"], r["reason"], r["detail"]) for r in receipt["rejected"]] == [
        (0, "sighting_rejected", "unknown device"),
        (1, "sighting_rejected", "unknown device"),
        (2, "no_plate", "HasPlate says no plate was read"),
    ]
    assert recorded(prevention_db, receipt["batch_id"]) == []


def test_a_device_cannot_upload_another_devices_sightings(
    call: Call, prevention_db: Engine
) -> None:
    mine = register(call, f"4403040000132{secrets.randbelow(10**7):07d}")
    theirs = register(call, f"4403040000132{secrets.randbelow(10**7):07d}")
    raw = gat1400_upload(theirs, datetime.now(UTC) - timedelta(minutes=2))

    receipt = call(as_device(mine)).record_vendor_payload("gat1400", b64(raw))

    assert receipt["accepted"] == 0
    assert [r["reason"] for r in receipt["rejected"]] == ["device_mismatch"] * 3


@pytest.mark.parametrize(
    ("vendor_format", "raw", "detail"),
    [
        ("gat1400", b"{not json", "the body is not JSON"),
        ("isapi", (FIXTURES / "isapi_heartbeat.xml").read_bytes(), "only ANPR alerts"),
        (
            "isapi",
            b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><EventNotificationAlert/>',
            "DOCTYPE and entity declarations are refused",
        ),
    ],
)
def test_an_unreadable_payload_is_refused_with_its_reason_and_nothing_is_recorded(
    call: Call, prevention_db: Engine, vendor_format: str, raw: bytes, detail: str
) -> None:
    camera = register(call, f"cam-{secrets.token_hex(4)}")
    refused = refusal(call(as_device(camera)).record_vendor_payload, vendor_format, b64(raw))
    assert refused.exc_type == "ValidationFailed"
    assert detail in str(refused.value)
    with prevention_db.connect() as conn:
        assert (
            conn.execute(select(outbox.c.id).where(outbox.c.type == SIGHTING_RECORDED)).all() == []
        )


def test_only_devices_upload_vendor_payloads_and_arguments_are_checked(
    call: Call, prevention_db: Engine
) -> None:
    raw = b64(isapi_alert(datetime.now(UTC)))
    assert refusal(call(OFFICER).record_vendor_payload, "isapi", raw).exc_type == "Forbidden"
    camera = as_device(f"cam-{secrets.token_hex(4)}")
    assert refusal(call(camera).record_vendor_payload, "dahua", raw).exc_type == "ValidationFailed"
    not_base64 = refusal(call(camera).record_vendor_payload, "isapi", "<xml/>")
    assert not_base64.exc_type == "ValidationFailed"
