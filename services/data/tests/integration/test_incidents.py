"""Incidents: recorded once from dispatch, announced as an event, listed within jurisdiction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.incidents import INCIDENTS_RECORDED

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 11, 1, tzinfo=SHANGHAI)
DISPATCH = Actor(kind=ActorKind.OFFICER, id="d-1", unit="sz", scope="sz", roles=("dispatcher",))
FEED = Actor(kind=ActorKind.SERVICE_ACCOUNT, id="110-feed", roles=())
FUTIAN = Actor(kind=ActorKind.OFFICER, id="o-1", unit="f", scope="sz/futian", roles=("officer",))


def incident(minutes: int, station: str = "sz/futian/xiangmihu", **extra: Any) -> dict[str, Any]:
    return {
        "incident_id": str(uuid.uuid4()),
        "reported_at": (START + timedelta(minutes=minutes)).isoformat(),
        "location": {"lat": 22.54, "lon": 114.05},
        "category": "theft",
        **extra,
        "unit_path": station,
    }


def recorded_events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        envelopes = conn.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type == INCIDENTS_RECORDED)
            .order_by(outbox.c.id)
        ).scalars()
        return [orjson.loads(e)["payload"] for e in envelopes]


def test_new_incidents_leave_as_one_event_and_a_repeat_adds_nothing(
    client: Any, data_db: Engine
) -> None:
    first = [incident(i) for i in range(3)]
    with client(DISPATCH) as rpc:
        assert rpc.data.record_incidents(first) == {"recorded": 3, "repeated": 0}
    with client(FEED) as rpc:
        again = rpc.data.record_incidents([*first[:2], incident(10)])
    assert again == {"recorded": 1, "repeated": 2}
    events = recorded_events(data_db)
    assert [len(e["incidents"]) for e in events] == [3, 1]
    announced = events[0]["incidents"][0]
    assert announced["incident_id"] == first[0]["incident_id"]
    assert (announced["district"], announced["station"]) == ("futian", "xiangmihu")
    assert announced["cell"] > 0


def test_only_dispatch_records_incidents(client: Any, data_db: Engine) -> None:
    with client(FUTIAN) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.record_incidents([incident(0)])
    assert refused.value.exc_type == "Forbidden"
    assert recorded_events(data_db) == []


def test_listed_newest_first_within_jurisdiction_in_pages(client: Any, data_db: Engine) -> None:
    futian = [incident(i * 10) for i in range(5)]
    nanshan = [incident(i * 10 + 5, "sz/nanshan/shekou") for i in range(3)]
    closed = incident(100, status="closed")
    with client(DISPATCH) as rpc:
        rpc.data.record_incidents([*futian, *nanshan, closed])
    window = {"since": START.isoformat(), "until": (START + timedelta(days=1)).isoformat()}
    with client(FUTIAN) as rpc:
        first = rpc.data.list_incidents({**window, "limit": 4})
        rest = rpc.data.list_incidents({**window, "limit": 4, "cursor": first["next_cursor"]})
        only_closed = rpc.data.list_incidents({**window, "status": "closed"})
    seen = [i["incident_id"] for i in first["incidents"] + rest["incidents"]]
    expected = [i["incident_id"] for i in [closed, *reversed(futian)]]
    assert seen == expected  # Nanshan's are outside an officer of Futian's jurisdiction
    assert rest["next_cursor"] is None
    assert [i["incident_id"] for i in only_closed["incidents"]] == [closed["incident_id"]]
    with client(DISPATCH) as rpc:
        citywide = rpc.data.list_incidents({**window, "limit": 500})
    assert len(citywide["incidents"]) == 9
    reported = [datetime.fromisoformat(i["reported_at"]) for i in citywide["incidents"]]
    assert reported == sorted(reported, reverse=True)
    assert all(r.tzinfo is not None and r.utcoffset() == timedelta(0) for r in reported)


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            {"since": START.isoformat(), "until": (START - timedelta(hours=1)).isoformat()},
            "since must be before until",
        ),
        (
            {"since": "2026-11-01T00:00:00", "until": "2026-11-02T00:00:00"},
            "since and until must carry a time zone offset",
        ),
        (
            {"since": START.isoformat(), "until": datetime.now(UTC).isoformat(), "limit": 0},
            "invalid IncidentQuery",
        ),
    ],
)
def test_bad_windows_are_refused(
    client: Any, data_db: Engine, query: dict[str, Any], problem: str
) -> None:
    with client(FUTIAN) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.list_incidents(query)
    assert refused.value.exc_type == "ValidationFailed"
    assert problem in refused.value.value
