"""The data cube: counts by any dimensions with every subtotal, inside the caller's jurisdiction."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from contracts.actor import Actor, ActorKind

STATIONS = ["sz/futian/f1", "sz/futian/f2", "sz/nanshan/n1"]
CATEGORIES = ["theft", "fraud", "assault"]
START = datetime(2026, 10, 1, tzinfo=UTC)
CITY = Actor(kind=ActorKind.OFFICER, id="analyst", unit="sz", scope="sz", roles=("analyst",))
DISPATCH = Actor(kind=ActorKind.OFFICER, id="d-1", unit="sz", scope="sz", roles=("dispatcher",))
FUTIAN = Actor(kind=ActorKind.OFFICER, id="o-1", unit="f1", scope="sz/futian", roles=("analyst",))


def incidents(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        {
            "incident_id": str(uuid.uuid4()),
            "reported_at": (START + timedelta(minutes=rng.randint(0, 60 * 24 * 60))).isoformat(),
            "location": {"lat": 22.5 + rng.random() / 20, "lon": 114.0 + rng.random() / 20},
            "category": rng.choice(CATEGORIES),
            "unit_path": rng.choice(STATIONS),
        }
        for _ in range(n)
    ]


def record(client: Any, items: list[dict[str, Any]]) -> None:
    with client(DISPATCH) as rpc:
        assert rpc.data.record_incidents(items)["recorded"] == len(items)


def cube(client: Any, actor: Actor, dimensions: list[str], **extra: Any) -> dict[str, Any]:
    query = {
        "dimensions": dimensions,
        "since": START.isoformat(),
        "until": (START + timedelta(days=90)).isoformat(),
        **extra,
    }
    with client(actor) as rpc:
        result: dict[str, Any] = rpc.data.incident_cube(query)
    return result


def test_every_cell_subtotal_and_total_matches_a_count(client: Any, data_db: Any) -> None:
    items = incidents(random.Random(5), 400)
    record(client, items)

    result = cube(client, CITY, ["district", "category"])

    got = {
        (c["values"]["district"], c["values"]["category"]): c["incidents"] for c in result["cells"]
    }
    expected: Counter[tuple[str | None, str | None]] = Counter()
    for i in items:
        district = i["unit_path"].split("/")[1]
        for key in (
            (district, i["category"]),
            (district, None),
            (None, i["category"]),
            (None, None),
        ):
            expected[key] += 1
    assert got == dict(expected)
    total = next(c for c in result["cells"] if c["rolled_up"] == ["district", "category"])
    assert total["incidents"] == 400


def test_a_branch_sees_only_its_own_jurisdiction(client: Any, data_db: Any) -> None:
    items = incidents(random.Random(6), 200)
    record(client, items)
    result = cube(client, FUTIAN, ["station"])
    stations = {c["values"]["station"]: c["incidents"] for c in result["cells"]}
    assert set(stations) == {"f1", "f2", None}
    assert stations[None] == sum(1 for i in items if i["unit_path"].startswith("sz/futian/"))


def test_months_are_local_months(client: Any, data_db: Any) -> None:
    # 17:30 UTC on 31 October is 01:30 on 1 November in Shanghai
    late = {**incidents(random.Random(7), 1)[0], "reported_at": "2026-10-31T17:30:00+00:00"}
    record(client, [late])
    result = cube(client, CITY, ["month"], categories=[late["category"]])
    months = {c["values"]["month"]: c["incidents"] for c in result["cells"] if not c["rolled_up"]}
    assert months == {"2026-11-01": 1}


def test_bad_cube_questions_are_refused(client: Any, data_db: Any) -> None:
    for dimensions, refusal in (
        (["district", "district"], "ValidationFailed"),
        (["district", "category", "month", "weekday"], "ValidationFailed"),
        (["colour"], "ValidationFailed"),
    ):
        with pytest.raises(RemoteError) as refused:
            cube(client, CITY, dimensions)
        assert refused.value.exc_type == refusal
    with pytest.raises(RemoteError) as no_scope:
        cube(client, CITY.model_copy(update={"scope": None}), ["district"])
    assert no_scope.value.exc_type == "Forbidden"


def test_whole_local_days_are_counted_from_the_daily_counts_and_agree(
    client: Any, data_db: Any
) -> None:
    items = incidents(random.Random(8), 500)
    record(client, items)
    with client(DISPATCH) as rpc:  # sent again: not counted twice anywhere
        assert rpc.data.record_incidents(items[:50])["recorded"] == 0
    shanghai = timezone(timedelta(hours=8))
    since = datetime(2026, 10, 15, tzinfo=shanghai)
    until = datetime(2026, 11, 20, tzinfo=shanghai)

    fast = cube(
        client, CITY, ["week", "category"], since=since.isoformat(), until=until.isoformat()
    )
    slow = cube(
        client,
        CITY,
        ["week", "category"],  # a second past midnight: the raw path
        since=(since + timedelta(seconds=1)).isoformat(),
        until=until.isoformat(),
    )
    local_since, local_until = since, until

    def key(i: dict[str, Any]) -> tuple[str, str]:
        local = datetime.fromisoformat(i["reported_at"]).astimezone(shanghai)
        monday = (local - timedelta(days=local.weekday())).date()
        return monday.isoformat(), i["category"]

    inside = [
        i for i in items if local_since <= datetime.fromisoformat(i["reported_at"]) < local_until
    ]
    expected = Counter(key(i) for i in inside)
    got = {
        (c["values"]["week"], c["values"]["category"]): c["incidents"]
        for c in fast["cells"]
        if not c["rolled_up"]
    }
    assert got == dict(expected)
    total = next(c for c in fast["cells"] if len(c["rolled_up"]) == 2)
    assert total["incidents"] == len(inside)
    slow_total = next(c for c in slow["cells"] if len(c["rolled_up"]) == 2)
    assert slow_total["incidents"] == len(inside)  # nothing reported in that first second
