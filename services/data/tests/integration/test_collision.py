"""Checkpoint collision against a brute-force answer on random data, and its safeguards."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind, Purpose
from services.data.domain.sweeps import pseudonym
from services.data.settings import Settings
from services.data.tests.integration.conftest import plant, row

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=2)
SUPERVISOR = Actor(
    kind=ActorKind.OFFICER,
    id="zhang.min",
    unit="f",
    scope="sz/f",
    roles=("supervisor",),
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="c-7",
)
INVESTIGATOR = SUPERVISOR.model_copy(update={"id": "li.wei", "roles": ("investigator",)})
DEVICES = ["cp-a", "cp-b", "cp-c"]
KEY = Settings().pseudonym_key.get_secret_value().encode()


def random_city(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n in range(150):
        plate = f"粤B{n:05d}"
        for _ in range(rng.randint(1, 6)):
            seen_at = START + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            rows.append({**row(plate, seen_at), "device_id": rng.choice(DEVICES)})
    return rows


def brute_force(
    rows: list[dict[str, Any]], conditions: list[tuple[str, datetime, datetime]]
) -> set[str]:
    def passes(plate: str, device: str, since: datetime, until: datetime) -> bool:
        return any(
            r["plate"] == plate and r["device_id"] == device and since <= r["seen_at"] < until
            for r in rows
        )

    plates = {r["plate"] for r in rows}
    return {p for p in plates if all(passes(p, *c) for c in conditions)}


def authorise(client: Any, targets: list[str]) -> str:
    with client(SUPERVISOR) as rpc:
        granted = rpc.data.issue_sweep_authorisation(
            {
                "case_id": "c-7",
                "devices": DEVICES,
                "since": START.isoformat(),
                "until": (START + timedelta(days=1)).isoformat(),
                "targets": targets,
                "expires_at": (NOW + timedelta(days=2)).isoformat(),
                "reason": "who drove the robbery route twice",
            }
        )
    return str(granted["authorisation_id"])


def conditions_json(conditions: list[tuple[str, datetime, datetime]]) -> list[dict[str, str]]:
    return [
        {"device_id": d, "since": s.isoformat(), "until": u.isoformat()} for d, s, u in conditions
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_collision_matches_brute_force_and_masks_non_targets(
    client: Any, data_db: Engine, seed: int
) -> None:
    rng = random.Random(seed)
    rows = random_city(rng)
    plant(data_db, rows)
    conditions = [
        (device, START + timedelta(hours=h), START + timedelta(hours=h + rng.randint(4, 12)))
        for device, h in zip(
            rng.sample(DEVICES, 2), (rng.randint(0, 8), rng.randint(0, 8)), strict=True
        )
    ]
    expected = brute_force(rows, conditions)
    target = sorted(expected)[0] if expected else "粤B99999"
    authorisation = authorise(client, [target])

    with client(INVESTIGATOR) as rpc:
        result = rpc.data.checkpoint_collision(
            {"authorisation_id": authorisation, "conditions": conditions_json(conditions)}
        )

    assert result["count"] == len(expected)
    assert result["plates"] == sorted(expected & {target})
    assert sorted(result["pseudonyms"]) == sorted(
        pseudonym(KEY, "c-7", p) for p in expected - {target}
    )


def test_sweeps_need_a_case_an_authorisation_and_narrow_windows(
    client: Any, data_db: Engine
) -> None:
    authorisation = authorise(client, [])
    narrow = [
        ("cp-a", START, START + timedelta(hours=1)),
        ("cp-b", START, START + timedelta(hours=1)),
    ]
    wide = [
        ("cp-a", START, START + timedelta(hours=30)),
        ("cp-b", START, START + timedelta(hours=1)),
    ]
    cases = [
        (
            INVESTIGATOR.model_copy(update={"purpose": None, "case_id": None}),
            authorisation,
            narrow,
            "PurposeRequired",
        ),
        (INVESTIGATOR.model_copy(update={"case_id": "c-8"}), authorisation, narrow, "Forbidden"),
        (INVESTIGATOR, str(uuid.uuid4()), narrow, "Forbidden"),
        (INVESTIGATOR, authorisation, wide, "ValidationFailed"),
    ]
    for actor, auth, conditions, refusal in cases:
        with client(actor) as rpc, pytest.raises(RemoteError) as refused:
            rpc.data.checkpoint_collision(
                {"authorisation_id": auth, "conditions": conditions_json(conditions)}
            )
        assert refused.value.exc_type == refusal, (actor.case_id, refusal)
    with client(INVESTIGATOR) as rpc, pytest.raises(RemoteError) as not_a_supervisor:
        rpc.data.issue_sweep_authorisation(
            {
                "case_id": "c-7",
                "devices": ["cp-a"],
                "since": START.isoformat(),
                "until": NOW.isoformat(),
                "expires_at": (NOW + timedelta(days=1)).isoformat(),
                "reason": "I would like to look around",
            }
        )
    assert not_a_supervisor.value.exc_type == "Forbidden"


def test_a_served_sweep_is_recorded_with_its_conditions(client: Any, data_db: Engine) -> None:
    authorisation = authorise(client, [])
    conditions = [
        ("cp-a", START, START + timedelta(hours=1)),
        ("cp-b", START, START + timedelta(hours=1)),
    ]
    with client(INVESTIGATOR) as rpc:
        rpc.data.checkpoint_collision(
            {"authorisation_id": authorisation, "conditions": conditions_json(conditions)}
        )
    with data_db.connect() as conn:
        records = [
            orjson.loads(e)["payload"] for e in conn.execute(select(outbox.c.envelope)).scalars()
        ]
    (sweep,) = [r for r in records if r["operation"] == "data.checkpoint_collision"]
    assert sweep["outcome"] == "served" and sweep["subject"] == "case=c-7"
    assert [c["device_id"] for c in sweep["details"]["conditions"]] == ["cp-a", "cp-b"]
    assert any(r["operation"] == "data.issue_sweep_authorisation" for r in records)
