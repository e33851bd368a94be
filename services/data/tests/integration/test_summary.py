"""First and last seen, and the places a plate is seen most by local hour of day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine

from contracts.actor import Actor, ActorKind, Purpose
from services.data.tests.integration.conftest import plant, row

OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-1",
    unit="f-1",
    scope="sz/f",
    purpose=Purpose.PATROL_AND_PREVENTION,
)
# 00:30 UTC is 08:30 in Shanghai: the morning checkpoint
DAY = datetime.now(UTC).replace(hour=0, minute=30, second=0, microsecond=0) - timedelta(days=2)


def at(device: str, seen_at: datetime) -> dict[str, Any]:
    return {**row("粤T12345", seen_at), "device_id": device}


def test_first_last_and_places_by_local_hour(client: Any, data_db: Engine) -> None:
    plant(
        data_db,
        [
            at("cp-morning", DAY),
            at("cp-morning", DAY + timedelta(days=1)),
            at("cp-other", DAY + timedelta(minutes=5)),
            at("cp-evening", DAY + timedelta(hours=10)),  # 18:30 in Shanghai
            {**row("粤B99999", DAY), "device_id": "cp-morning"},  # another plate
        ],
    )
    query = {
        "plate": "粤T12345",
        "since": (DAY - timedelta(hours=1)).isoformat(),
        "until": (DAY + timedelta(days=1, hours=1)).isoformat(),
        "places_per_hour": 1,
    }
    with client(OFFICER) as rpc:
        summary = rpc.data.plate_summary(query)

    assert summary["sightings"] == 4
    assert datetime.fromisoformat(summary["first_seen"]) == DAY
    assert datetime.fromisoformat(summary["last_seen"]) == DAY + timedelta(days=1)
    assert summary["time_zone"] == "Asia/Shanghai"
    assert summary["by_hour"] == [
        {"hour": 8, "places": [{"device_id": "cp-morning", "sightings": 2}]},
        {"hour": 18, "places": [{"device_id": "cp-evening", "sightings": 1}]},
    ]


def test_a_summary_is_refused_without_a_purpose(client: Any, data_db: Engine) -> None:
    query = {
        "plate": "粤T12345",
        "since": (DAY - timedelta(hours=1)).isoformat(),
        "until": DAY.isoformat(),
    }
    with client(None) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.plate_summary(query)
    assert refused.value.exc_type == "PurposeRequired"
