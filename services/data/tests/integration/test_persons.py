"""A person lookup: only for a purpose, masked unless the purpose allows, always recorded."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind, Purpose
from contracts.audit import audit_event_type

PATROL = Actor(
    kind=ActorKind.OFFICER,
    id="o-1",
    unit="f-1",
    scope="sz/f",
    roles=("officer",),
    purpose=Purpose.PATROL_AND_PREVENTION,
)
INVESTIGATING = PATROL.model_copy(
    update={"purpose": Purpose.CRIMINAL_INVESTIGATION, "case_id": "case-1"}
)
PERSON = {
    "person_id": "p-1",
    "name": "王小明",
    "national_id": "44030419900101123X",
    "phone": "13800138000",
    "address": "福田区 1 号",
}


@pytest.fixture
def registered(client: Any, data_db: Engine) -> None:
    with client(None) as rpc:
        rpc.data.register_person(PERSON)


def lookup(client: Any, actor: Actor | None, **query: str) -> dict[str, Any]:
    with client(actor) as rpc:
        found: dict[str, Any] = rpc.data.find_person(query)
    return found


def served_subjects(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == audit_event_type("data"))
        ).scalars()
        payloads = [orjson.loads(r)["payload"] for r in rows]
    return [p["subject"] for p in payloads if p["operation"] == "data.find_person"]


def test_masked_for_patrol_in_full_for_an_investigation_each_recorded(
    client: Any, registered: None, data_db: Engine
) -> None:
    masked = lookup(client, PATROL, person_id="p-1")
    assert masked["masked"] and masked["name"] == "王**" and masked["address"] is None
    shown = lookup(client, INVESTIGATING, national_id="44030419900101123x")  # either x case
    assert not shown["masked"] and shown["name"] == "王小明"
    assert shown["national_id"] == "440304********123X"  # never held in clear
    assert served_subjects(data_db) == ["person=p-1", "person=p-1"]


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        (None, "PurposeRequired"),
        (INVESTIGATING.model_copy(update={"case_id": None}), "PurposeRequired"),
    ],
)
def test_refused_without_a_purpose_or_its_case(
    client: Any, registered: None, data_db: Engine, actor: Actor | None, refusal: str
) -> None:
    with pytest.raises(RemoteError) as refused:
        lookup(client, actor, person_id="p-1")
    assert refused.value.exc_type == refusal
    assert served_subjects(data_db) == []


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ({"person_id": "p-unknown"}, "NotFound"),
        ({"national_id": "440304199001019999"}, "NotFound"),
        ({}, "ValidationFailed"),
        ({"person_id": "p-1", "national_id": "44030419900101123X"}, "ValidationFailed"),
        ({"national_id": "4403"}, "ValidationFailed"),
    ],
)
def test_unknown_or_malformed_lookups(
    client: Any, registered: None, query: dict[str, str], refusal: str
) -> None:
    with pytest.raises(RemoteError) as refused:
        lookup(client, PATROL, **query)
    assert refused.value.exc_type == refusal
