"""Dispatch: the nearest available unit is recommended and only an available one assigned;
the task's status flow keeps its times; response times follow from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError

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
