"""The device registry against real RabbitMQ and PostgreSQL: changes and decommissioning,
credentials (hashed, rotated, refused alike), heartbeats, and offline detection with a clock
the test sets (the monitor's app functions take `now`), plus the monitor's timer itself."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from chassis.dependencies import EventStager
from chassis.tables import outbox
from chassis.testing.polling import eventually
from contracts.actor import Actor, ActorKind
from contracts.devices import DEVICE_OFFLINE, DEVICE_ONLINE, DeviceStatus
from services.prevention import devices_app

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
SUPERVISOR = Actor(
    kind=ActorKind.OFFICER, id="o-zhang", unit="futian", scope="sz/futian", roles=("supervisor",)
)
OFFICER = Actor(kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", roles=("officer",))
Call = Callable[..., Any]


def as_device(device_id: str) -> Actor:
    return Actor(kind=ActorKind.DEVICE, id=device_id, unit="futian")


def register(call: Call, interval_s: int = 60, **fields: Any) -> str:
    device_id = f"cp-{secrets.token_hex(4)}"
    call(ADMIN).register_device(
        {
            "device_id": device_id,
            "kind": "checkpoint",
            "name": "深南大道卡口",
            "unit_id": "futian",
            "location": {"lat": 22.5431, "lon": 114.0579},
            "heartbeat_interval_s": interval_s,
            **fields,
        }
    )
    return device_id


def refusal(method: Callable[..., Any], *args: Any, **kwargs: Any) -> RemoteError:
    """The error a remote method answers these arguments with."""
    with pytest.raises(RemoteError) as refused:
        method(*args, **kwargs)
    return refused.value


def staged(engine: Engine, event_type: str, device_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id)
        ).scalars()
        payloads = [orjson.loads(r)["payload"] for r in rows]
    return [p for p in payloads if p["device_id"] == device_id]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def stager() -> EventStager:
    return EventStager("prevention", {})


def later() -> datetime:
    """A time the test's clock starts from: a day ahead, so the real monitor, running beside
    the test, never finds these devices silent."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


# -- the registry ------------------------------------------------------------------------------


def test_a_device_is_registered_with_its_fields_then_changed_but_never_its_id(call: Call) -> None:
    device_id = register(
        call, vendor="hikvision", protocol="isapi", direction="inbound", interval_s=30
    )
    device = call().get_device(device_id)
    assert device["kind"] == "checkpoint" and device["vendor"] == "hikvision"
    assert (device["protocol"], device["direction"]) == ("isapi", "inbound")
    assert device["heartbeat_interval_s"] == 30
    assert device["status"] == DeviceStatus.PENDING and device["last_seen_at"] is None

    changed = call(SUPERVISOR).update_device(
        device_id,
        {
            "vendor": None,
            "direction": "outbound",
            "kind": "camera",
            "location": {"lat": 22.6, "lon": 114.1},
        },
    )
    assert changed["vendor"] is None and changed["direction"] == "outbound"
    assert changed["kind"] == "camera" and changed["location"] == {"lat": 22.6, "lon": 114.1}
    assert changed["protocol"] == "isapi"  # not named, not changed
    assert refusal(call(ADMIN).update_device, device_id, {"device_id": "x"}).exc_type == (
        "ValidationFailed"
    )
    assert refusal(call(ADMIN).update_device, device_id, {"name": None}).exc_type == (
        "ValidationFailed"
    )
    assert refusal(call(OFFICER).update_device, device_id, {"name": "x"}).exc_type == "Forbidden"
    assert refusal(call(ADMIN).update_device, "cp-nope", {"name": "x"}).exc_type == "NotFound"
    # the plain list of the registry still answers, with the new fields
    listed = {d["device_id"]: d for d in call().list_devices()}
    assert listed[device_id]["direction"] == "outbound"


def test_community_and_school_gates_are_kinds_of_device(call: Call) -> None:
    gate = register(call, kind="community_gate")
    school = register(call, kind="school_gate", protocol="gat1400")
    assert call().get_device(gate)["kind"] == "community_gate"
    assert call().get_device(school)["kind"] == "school_gate"
    bad = refusal(register, call, kind="drone")
    assert bad.exc_type == "ValidationFailed"


def test_devices_are_listed_by_status_kind_and_unit_a_page_at_a_time(call: Call) -> None:
    ids = sorted(register(call) for _ in range(3))
    call(ADMIN).decommission_device(ids[0], {"reason": "replaced"})
    gate = register(call, kind="school_gate", unit_id="nanshan")

    retired = call().list_device_health({"status": "decommissioned"})["items"]
    assert [d["device_id"] for d in retired] == [ids[0]]
    pending = call().list_device_health({"status": "pending", "unit_id": "futian"})["items"]
    assert {d["device_id"] for d in pending} == set(ids[1:])
    assert [
        d["device_id"] for d in call().list_device_health({"kind": "school_gate"})["items"]
    ] == [gate]

    first = call().list_device_health({"limit": 3})
    second = call().list_device_health({"limit": 3, "cursor": first["next_cursor"]})
    seen = [d["device_id"] for d in first["items"] + second["items"]]
    assert seen == sorted([*ids, gate]) and second["next_cursor"] is None
    assert refusal(call().list_device_health, {"limit": 501}).exc_type == "ValidationFailed"
    assert refusal(call().list_device_health, {"status": "lost"}).exc_type == "ValidationFailed"


# -- credentials -------------------------------------------------------------------------------


def test_a_rotated_credential_replaces_the_old_one_and_only_its_hash_is_kept(
    call: Call, prevention_db: Engine
) -> None:
    device_id = register(call)
    first = call(ADMIN).rotate_device_credential(device_id)["credential"]
    assert first.startswith(f"{device_id}.")
    assert call().authenticate_device(first) == {
        "device_id": device_id,
        "kind": "checkpoint",
        "unit_id": "futian",
    }
    second = call(ADMIN).rotate_device_credential(device_id)["credential"]
    assert second != first
    assert refusal(call().authenticate_device, first).exc_type == "Unauthenticated"
    assert call().authenticate_device(second)["device_id"] == device_id

    with prevention_db.connect() as conn:
        stored = conn.execute(
            text("SELECT secret_hash FROM device_credentials WHERE device_id = :d"),
            {"d": device_id},
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert second.rpartition(".")[2] not in stored
    assert call().get_device(device_id)["credential_issued_at"] is not None


def test_only_an_administrator_issues_credentials(call: Call) -> None:
    device_id = register(call)
    for actor in (SUPERVISOR, OFFICER, as_device(device_id)):
        assert refusal(call(actor).rotate_device_credential, device_id).exc_type == "Forbidden"
    assert refusal(call(ADMIN).rotate_device_credential, "cp-nope").exc_type == "NotFound"


def test_every_refused_credential_gets_the_same_answer(call: Call) -> None:
    device_id = register(call)
    good = call(ADMIN).rotate_device_credential(device_id)["credential"]
    retired_id = register(call)
    retired = call(ADMIN).rotate_device_credential(retired_id)["credential"]
    call(ADMIN).decommission_device(retired_id, {"reason": "stolen"})
    secret = good.rpartition(".")[2]
    candidates = {
        "malformed": "not a credential",
        "unknown device": f"cp-unknown.{secret}",
        "wrong secret": f"{device_id}.{secrets.token_urlsafe(32)}",
        "decommissioned": retired,
        "no credential issued": f"{register(call)}.{secret}",
    }
    answers = {name: refusal(call().authenticate_device, c) for name, c in candidates.items()}
    assert {a.exc_type for a in answers.values()} == {"Unauthenticated"}
    assert len({a.value for a in answers.values()}) == 1


# -- decommissioning ---------------------------------------------------------------------------


def test_a_decommissioned_device_is_refused_for_credentials_sightings_and_heartbeats(
    call: Call,
) -> None:
    device_id = register(call)
    credential = call(ADMIN).rotate_device_credential(device_id)["credential"]
    call(as_device(device_id)).record_heartbeat()

    retired = call(SUPERVISOR).decommission_device(device_id, {"reason": "replaced by cp-2"})
    assert retired["status"] == DeviceStatus.DECOMMISSIONED
    assert retired["decommissioned_at"] is not None and retired["credential_issued_at"] is None
    again = call(ADMIN).decommission_device(device_id, {"reason": "twice"})
    assert again["decommissioned_at"] == retired["decommissioned_at"]

    assert refusal(call().authenticate_device, credential).exc_type == "Unauthenticated"
    heartbeat = refusal(call(as_device(device_id)).record_heartbeat)
    assert heartbeat.exc_type == "Unauthenticated"
    receipt = call(ADMIN).record_sightings(
        {
            "batch_id": f"decommissioned-{device_id}",
            "sightings": [
                {
                    "plate": "粤B12345",
                    "device_id": device_id,
                    "seen_at": datetime.now(UTC).isoformat(),
                }
            ],
        }
    )
    assert receipt["accepted"] == 0
    assert [r["problem"] for r in receipt["rejected"]] == ["decommissioned device"]
    assert refusal(call(ADMIN).update_device, device_id, {"name": "x"}).exc_type == "Conflict"
    assert refusal(call(ADMIN).rotate_device_credential, device_id).exc_type == "Conflict"
    assert refusal(call(OFFICER).decommission_device, device_id, {"reason": "x"}).exc_type == (
        "Forbidden"
    )


# -- heartbeats and offline detection ----------------------------------------------------------


def test_only_a_registered_device_reports_its_own_heartbeat(call: Call) -> None:
    device_id = register(call, interval_s=30)
    ack = call(as_device(device_id)).record_heartbeat()
    assert ack["status"] == DeviceStatus.ONLINE and ack["heartbeat_interval_s"] == 30
    device = call().get_device(device_id)
    assert device["status"] == DeviceStatus.ONLINE
    assert device["last_seen_at"] == ack["received_at"]
    assert refusal(call(ADMIN).record_heartbeat).exc_type == "Forbidden"
    assert refusal(call(as_device("cp-unknown")).record_heartbeat).exc_type == "Unauthenticated"


def test_offline_detection_with_a_controllable_clock(call: Call, prevention_db: Engine) -> None:
    device_id = register(call, interval_s=60)
    t0 = later()

    def at(seconds: int) -> datetime:
        return t0 + timedelta(seconds=seconds)

    def detect(seconds: int) -> int:
        with Session(prevention_db) as session, session.begin():
            return devices_app.detect_offline(session, stager(), at(seconds), 100)

    def status(seconds: int) -> dict[str, Any]:
        with Session(prevention_db) as session, session.begin():
            return devices_app.get_device(session, device_id, at(seconds)).model_dump(mode="json")

    with Session(prevention_db) as session, session.begin():
        devices_app.record_heartbeat(session, stager(), device_id, at(0))
    detect(119)
    assert status(119)["status"] == DeviceStatus.ONLINE  # a late heartbeat is forgiven
    detect(121)
    assert status(121)["status"] == DeviceStatus.OFFLINE
    assert moment(status(121)["offline_since"]) == at(60)
    detect(300)  # still silent: the same outage, not a new one
    (offline,) = staged(prevention_db, DEVICE_OFFLINE, device_id)
    assert moment(offline["offline_since"]) == at(60)
    assert moment(offline["last_seen_at"]) == at(0)
    listed = call().list_device_health({"status": "offline"})["items"]
    assert device_id in [d["device_id"] for d in listed]

    with Session(prevention_db) as session, session.begin():
        devices_app.record_heartbeat(session, stager(), device_id, at(600))
    back = status(600 + 3000)
    assert back["status"] == DeviceStatus.ONLINE and back["offline_since"] is None
    (online,) = staged(prevention_db, DEVICE_ONLINE, device_id)
    assert online["outage_s"] == 540
    uptime = back["uptime_24h"]
    assert uptime["down_s"] == 540
    assert uptime["percent"] == round(100 * (1 - 540 / uptime["monitored_s"]), 3)
    listed = call().list_device_health({"status": "offline"})["items"]
    assert device_id not in [d["device_id"] for d in listed]


def test_a_device_that_never_reports_goes_offline_after_its_first_interval(
    call: Call, prevention_db: Engine
) -> None:
    device_id = register(call, interval_s=10)
    t0 = later()
    with Session(prevention_db) as session, session.begin():
        # the real monitor may have picked it up already, from the real time
        devices_app.watch_new_devices(session, t0, 100)
        session.execute(
            text(
                "UPDATE device_health SET watched_since = :t, offline_after = :d"
                " WHERE device_id = :i"
            ),
            {"t": t0, "d": t0 + timedelta(seconds=20), "i": device_id},
        )
    with Session(prevention_db) as session, session.begin():
        assert devices_app.detect_offline(session, stager(), t0 + timedelta(seconds=20), 100) == 0
    with Session(prevention_db) as session, session.begin():
        assert devices_app.detect_offline(session, stager(), t0 + timedelta(seconds=21), 100) == 1
    (offline,) = staged(prevention_db, DEVICE_OFFLINE, device_id)
    assert offline["last_seen_at"] is None
    assert call().get_device(device_id)["status"] == DeviceStatus.OFFLINE


def test_a_longer_interval_set_while_online_moves_the_deadline(
    call: Call, prevention_db: Engine
) -> None:
    device_id = register(call, interval_s=60)
    t0 = later()
    with Session(prevention_db) as session, session.begin():
        devices_app.record_heartbeat(session, stager(), device_id, t0)
    call(ADMIN).update_device(device_id, {"heartbeat_interval_s": 600})
    with Session(prevention_db) as session, session.begin():
        devices_app.detect_offline(session, stager(), t0 + timedelta(seconds=300), 100)
    assert staged(prevention_db, DEVICE_OFFLINE, device_id) == []
    assert call().get_device(device_id)["status"] == DeviceStatus.ONLINE


def test_two_monitor_passes_at_once_announce_an_outage_once(
    call: Call, prevention_db: Engine
) -> None:
    device_id = register(call, interval_s=60)
    t0 = later()
    with Session(prevention_db) as session, session.begin():
        devices_app.record_heartbeat(session, stager(), device_id, t0)
    now = t0 + timedelta(minutes=10)
    with Session(prevention_db) as first, first.begin():
        assert devices_app.detect_offline(first, stager(), now, 100) >= 1
        # the first pass has not committed: the second skips the device it holds
        with Session(prevention_db) as second, second.begin():
            devices_app.detect_offline(second, stager(), now, 100)
    with Session(prevention_db) as third, third.begin():
        devices_app.detect_offline(third, stager(), now, 100)
    assert len(staged(prevention_db, DEVICE_OFFLINE, device_id)) == 1


def test_the_monitor_marks_a_silent_device_offline_and_its_heartbeat_brings_it_back(
    call: Call, prevention_db: Engine
) -> None:
    """The timer in the running service, on the real clock (5 s interval, 10 s of grace)."""
    device_id = register(call, interval_s=5)
    device = call(as_device(device_id))
    device.record_heartbeat()
    eventually(
        lambda: call().get_device(device_id)["status"] == DeviceStatus.OFFLINE,
        timeout=60,
        interval=0.5,
        what="the silent device offline",
    )
    assert len(staged(prevention_db, DEVICE_OFFLINE, device_id)) == 1
    device.record_heartbeat()
    assert call().get_device(device_id)["status"] == DeviceStatus.ONLINE
    assert len(staged(prevention_db, DEVICE_ONLINE, device_id)) == 1
