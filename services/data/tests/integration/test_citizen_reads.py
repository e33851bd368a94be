"""What the citizen service reads here: a vehicle's contact, a citizen's identity and the
subjects of their records; only for its purposes, every read recorded."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind, Purpose
from contracts.audit import audit_event_type

CITIZEN = Actor(kind=ActorKind.CITIZEN, id="c-1", purpose=Purpose.CITIZEN_SERVICE)
PATROL = Actor(
    kind=ActorKind.OFFICER,
    id="o-1",
    unit="f-1",
    scope="sz/f",
    roles=("officer",),
    purpose=Purpose.PATROL_AND_PREVENTION,
)
PERSON = {
    "person_id": "p-7",
    "name": "李小红",
    "national_id": "440304199202021234",
    "phone": "13700137000",
}


@pytest.fixture
def registered(client: Any, data_db: Engine) -> None:
    with client(None) as rpc:
        rpc.data.register_person(PERSON)
        for plate, vin in (("粤B7A001", "LGXCE6CB0N0123456"), ("粤B7A002", None)):
            rpc.data.register_vehicle(
                {"plate": plate, "vehicle_type": "small_car", "vin": vin, "owner_person_id": "p-7"}
            )


def recorded(engine: Engine, operation: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == audit_event_type("data"))
        ).scalars()
        payloads = [orjson.loads(r)["payload"] for r in rows]
    return [p["subject"] for p in payloads if p["operation"] == operation]


def test_a_vehicle_contact_for_the_citizen_service_is_recorded(
    client: Any, registered: None, data_db: Engine
) -> None:
    with client(CITIZEN) as rpc:
        contact = rpc.data.vehicle_contact("粤b 7a001")
        no_vin = rpc.data.vehicle_contact("粤B7A002")
    assert contact == {
        "plate": "粤B7A001",
        "vin_tail": "123456",
        "owner_person_id": "p-7",
        "owner_phone": "13700137000",
    }
    assert no_vin["vin_tail"] is None
    assert sorted(recorded(data_db, "data.vehicle_contact")) == ["plate=粤B7A001", "plate=粤B7A002"]


def test_a_vehicle_contact_is_refused_for_other_purposes_and_unknown_plates(
    client: Any, registered: None
) -> None:
    with client(PATROL) as rpc, pytest.raises(RemoteError) as refused:
        rpc.data.vehicle_contact("粤B7A001")
    assert refused.value.exc_type == "PurposeRequired"
    with client(CITIZEN) as rpc, pytest.raises(RemoteError) as unknown:
        rpc.data.vehicle_contact("粤B9Z999")
    assert unknown.value.exc_type == "NotFound"


def test_identity_matches_name_and_id_and_gives_the_subjects(
    client: Any, registered: None, data_db: Engine
) -> None:
    with client(CITIZEN) as rpc:
        verified = rpc.data.verify_identity(
            {"name": "李小红", "national_id": PERSON["national_id"]}
        )
        again = rpc.data.person_subjects("p-7")
        for wrong in (
            {"name": "李小明", "national_id": PERSON["national_id"]},
            {"name": "李小红", "national_id": "440304199202029999"},
        ):
            with pytest.raises(RemoteError) as refused:
                rpc.data.verify_identity(wrong)
            assert refused.value.exc_type == "NotFound"
    assert (
        verified
        == again
        == {
            "person_id": "p-7",
            "name_masked": "李**",
            "subjects": ["person=p-7", "plate=粤B7A001", "plate=粤B7A002"],
        }
    )
    assert recorded(data_db, "data.verify_identity") == ["person=p-7"]
