"""Dispatch: the nearest available unit is recommended and only an available one assigned;
the task's status flow keeps its times; response times follow from them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR
from contracts.incidents import INCIDENTS_RECORDED, Incident, IncidentsRecorded
from contracts.reports import CITIZEN_REPORT_FILED, CitizenReportFiled
from contracts.values import GeoPoint
from contracts.warning import ALERT_CONFIRMED, AlertConfirmed, HotlistReason

SCENE = {"lat": 22.5431, "lon": 114.0579}


def north(metres: float) -> dict[str, float]:
    return {"lat": SCENE["lat"] + metres / 110_540, "lon": SCENE["lon"]}


def city(proxy: Any) -> None:
    proxy.create_unit({"id": "sz", "name": "City", "level": "city"})
    proxy.create_unit({"id": "futian", "name": "Futian", "level": "branch", "parent_id": "sz"})
    proxy.create_unit({"id": "ft-1", "name": "Station", "level": "station", "parent_id": "futian"})
    for unit_id, metres, status in (
        ("car-near", 600, "available"),
        ("car-off", 50, "off_duty"),
        ("car-far", 4000, "available"),
    ):
        proxy.register_patrol_unit(
            {"unit_id": unit_id, "station_id": "ft-1", "location": north(metres), "status": status}
        )


def task(proxy: Any, source_id: str) -> dict[str, Any]:
    created: dict[str, Any] = proxy.create_dispatch_task(
        {"source": "incident", "source_id": source_id, "summary": "theft", "location": SCENE}
    )
    return created


def test_the_nearest_available_unit_goes_and_the_flow_keeps_its_times(call: Any) -> None:
    proxy = call()
    city(proxy)
    first = task(proxy, "inc-1")
    assert [r["unit_id"] for r in first["recommended"]] == ["car-near", "car-far"]
    assert task(proxy, "inc-1")["task_id"] == first["task_id"]  # one task per incident

    with pytest.raises(RemoteError) as off_duty:
        proxy.move_dispatch_task(first["task_id"], {"status": "assigned", "unit_id": "car-off"})
    assert off_duty.value.exc_type == "Conflict"
    assigned = proxy.move_dispatch_task(
        first["task_id"], {"status": "assigned", "unit_id": "car-near"}
    )
    assert assigned["unit_id"] == "car-near" and assigned["assigned_at"]

    second = task(proxy, "inc-2")  # the near car is busy now: never offered, never assigned
    assert [r["unit_id"] for r in second["recommended"]] == ["car-far"]
    with pytest.raises(RemoteError) as busy:
        proxy.move_dispatch_task(second["task_id"], {"status": "assigned", "unit_id": "car-near"})
    assert busy.value.exc_type == "Conflict"

    with pytest.raises(RemoteError) as skipped:
        proxy.move_dispatch_task(first["task_id"], {"status": "closed_early"})
    assert skipped.value.exc_type == "ValidationFailed"
    with pytest.raises(RemoteError) as backwards:
        proxy.move_dispatch_task(first["task_id"], {"status": "on_scene"})
    assert backwards.value.exc_type == "Conflict"  # en route first
    for status in ("en_route", "on_scene", "closed"):
        moved = proxy.move_dispatch_task(first["task_id"], {"status": status})
    assert moved["status"] == "closed"
    times = [moved[k] for k in ("assigned_at", "en_route_at", "on_scene_at", "closed_at")]
    assert times == sorted(times)
    third = task(proxy, "inc-3")  # back on the road: available again
    assert third["recommended"][0]["unit_id"] == "car-near"

    now = datetime.now(UTC)
    figures = proxy.response_times(
        (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    )
    assert figures["tasks"] == 1 and figures["median_s"] >= 0


def test_confirmed_alerts_reports_and_fresh_incidents_open_tasks_once(
    call: Any, platform_config: dict[str, Any]
) -> None:
    proxy = call()
    city(proxy)
    now = datetime.now(UTC)
    alert = AlertConfirmed(
        alert_id=uuid.uuid4(),
        plate="粤B99999",
        reason=HotlistReason.STOLEN_VEHICLE,
        device_id="cp-1",
        seen_at=now,
        location=GeoPoint(**north(100)),
        unit_path="sz/futian",
        confirmed_by="o-1",
    )
    report = CitizenReportFiled(
        report_id=uuid.uuid4(),
        category="noise",
        summary="a party at 2 am",
        location=GeoPoint(**SCENE),
        filed_at=now,
    )

    def incident(reported_at: datetime, status: str) -> Incident:
        return Incident(
            incident_id=uuid.uuid4(),
            reported_at=reported_at,
            location=GeoPoint(**SCENE),
            category="theft",
            status=status,
            unit_path="sz/futian/ft-1",
            district="futian",
            station="ft-1",
            cell=1,
        )

    fresh = incident(now - timedelta(minutes=5), "open")
    recorded = IncidentsRecorded(
        incidents=[fresh, incident(now - timedelta(days=30), "open"), incident(now, "closed")]
    )
    envelopes = [
        build_envelope(
            event_type=kind,
            payload=payload,
            producer=producer,
            actor=SYSTEM_ACTOR,
            traceparent=None,
        )
        for kind, payload, producer in (
            (ALERT_CONFIRMED, alert, "warning"),
            (CITIZEN_REPORT_FILED, report, "citizen"),
            (INCIDENTS_RECORDED, recorded, "data"),
        )
    ]
    publish_envelopes(platform_config["AMQP_URI"], *envelopes, copies=2)

    def opened() -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = proxy.list_dispatch_tasks("open")["tasks"]
        return found if len(found) >= 3 else None

    tasks = eventually(opened, timeout=15, what="three tasks")
    assert sorted((t["source"], t["source_id"]) for t in tasks) == sorted(
        [
            ("alert", str(alert.alert_id)),
            ("citizen_report", str(report.report_id)),
            ("incident", str(fresh.incident_id)),
        ]
    )
    alert_task = next(t for t in tasks if t["source"] == "alert")
    assert alert_task["recommended"][0]["unit_id"] == "car-near"
