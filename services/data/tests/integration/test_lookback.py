"""A plate's trajectory: exactly the right rows, purpose-bound, recorded in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind, Purpose
from services.data.tests.integration.conftest import plant, row

NOW = datetime.now(UTC).replace(microsecond=0)
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0) - timedelta(days=1)
BEIJING = timezone(timedelta(hours=8))
OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-1",
    unit="f-1",
    scope="sz/f",
    purpose=Purpose.PATROL_AND_PREVENTION,
)


def test_the_trajectory_is_exactly_the_window_across_midnight_in_order(
    client: Any, data_db: Engine
) -> None:
    inside = [
        row("粤T12345", MIDNIGHT - timedelta(seconds=1)),
        row("粤T12345", MIDNIGHT),
        row("粤T12345", MIDNIGHT + timedelta(hours=3)),
    ]
    outside = [
        row("粤T12345", MIDNIGHT - timedelta(hours=2)),  # before the window
        row("粤T12345", MIDNIGHT + timedelta(hours=4)),  # at `until`: excluded
        row("粤B99999", MIDNIGHT),
    ]  # another plate
    plant(data_db, inside + outside)
    since = (MIDNIGHT - timedelta(hours=1)).astimezone(BEIJING).isoformat()
    until = (MIDNIGHT + timedelta(hours=4)).astimezone(BEIJING).isoformat()

    with client(OFFICER) as rpc:
        first = rpc.data.plate_trajectory(
            {"plate": "粤 t-12345", "since": since, "until": until, "limit": 2}
        )
        rest = rpc.data.plate_trajectory(
            {
                "plate": "粤T12345",
                "since": since,
                "until": until,
                "limit": 2,
                "cursor": first["next_cursor"],
            }
        )

    got = [p["sighting_id"] for p in first["points"] + rest["points"]]
    assert got == [str(r["sighting_id"]) for r in inside]
    assert rest["next_cursor"] is None
    assert first["plate"] == "粤T12345"


def test_every_served_read_is_recorded_for_the_ledger(client: Any, data_db: Engine) -> None:
    plant(data_db, [row("粤T12345", NOW - timedelta(hours=1))])
    with client(OFFICER) as rpc:
        rpc.data.plate_trajectory(
            {
                "plate": "粤T12345",
                "since": (NOW - timedelta(days=1)).isoformat(),
                "until": NOW.isoformat(),
            }
        )
    with data_db.connect() as conn:
        (envelope,) = [orjson.loads(e) for e in conn.execute(select(outbox.c.envelope)).scalars()]
    assert envelope["type"] == "data.audit.recorded.v1"
    assert envelope["actor"]["id"] == "o-1"
    assert envelope["actor"]["purpose"] == "patrol_and_prevention"
    assert envelope["payload"]["operation"] == "data.plate_trajectory"
    assert envelope["payload"]["outcome"] == "served"
    assert envelope["payload"]["subject"] == "plate=粤T12345"
    assert envelope["payload"]["details"]["rows"] == 1


@pytest.mark.parametrize(
    ("actor", "since_days", "until_days", "refusal"),
    [
        (None, 1, 0, "PurposeRequired"),
        (OFFICER, 0, 1, "ValidationFailed"),  # inverted
        (OFFICER, 40, 0, "ValidationFailed"),  # wider than the maximum window
        (OFFICER, 95, 94, "Forbidden"),  # old: needs a supervisor's authorisation
    ],
)
def test_reads_without_purpose_malformed_or_too_old_are_refused(
    client: Any,
    data_db: Engine,
    actor: Actor | None,
    since_days: int,
    until_days: int,
    refusal: str,
) -> None:
    query = {
        "plate": "粤T12345",
        "since": (NOW - timedelta(days=since_days)).isoformat(),
        "until": (NOW - timedelta(days=until_days)).isoformat(),
    }
    with client(actor) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.plate_trajectory(query)
    assert refused.value.exc_type == refusal
    with data_db.connect() as conn:
        assert conn.execute(select(outbox.c.event_id)).first() is None  # nothing served
