"""The vehicle dossier: one call, owner masked unless the purpose allows, alerts from events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.outbox import build_envelope
from chassis.tables import outbox
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind, Purpose
from contracts.warning import ALERT_RAISED, AlertRaised, AlertStatus, HotlistReason
from services.data.store import persons
from services.data.tests.integration.conftest import plant, row

NOW = datetime.now(UTC)
PATROL = Actor(
    kind=ActorKind.OFFICER,
    id="o-1",
    unit="f-1",
    scope="sz/f",
    purpose=Purpose.PATROL_AND_PREVENTION,
)
TRAFFIC = PATROL.model_copy(update={"purpose": Purpose.TRAFFIC_ENFORCEMENT})


def register(client: Any) -> None:
    with client(None) as rpc:
        rpc.data.register_person(
            {
                "person_id": "p-1",
                "name": "王小明",
                "national_id": "440304199001011234",
                "phone": "13800138000",
                "address": "福田区 1 号",
            }
        )
        rpc.data.register_vehicle(
            {
                "plate": "粤 t-12345",
                "vehicle_type": "small_car",
                "colour": "white",
                "owner_person_id": "p-1",
            }
        )


def dossier(client: Any, actor: Actor | None) -> dict[str, Any]:
    with client(actor) as rpc:
        result: dict[str, Any] = rpc.data.vehicle_dossier("粤T12345")
    return result


def test_the_owner_is_masked_unless_the_purpose_allows(client: Any, data_db: Engine) -> None:
    register(client)
    masked = dossier(client, PATROL)["owner"]
    shown = dossier(client, TRAFFIC)["owner"]
    assert masked == {
        "person_id": "p-1",
        "name": "王**",
        "national_id": "440304********1234",
        "phone": "138****8000",
        "address": None,
        "masked": True,
    }
    assert shown["name"] == "王小明" and shown["phone"] == "13800138000"
    assert shown["national_id"] == "440304********1234"  # never stored in clear
    with data_db.connect() as conn:
        stored = conn.execute(select(persons)).one()
    assert "440304199001011234" not in str(stored._asdict())
    with pytest.raises(RemoteError) as refused:
        dossier(client, None)
    assert refused.value.exc_type == "PurposeRequired"


def test_recent_sightings_and_alerts_from_the_warning_pillars_events(
    client: Any, platform_config: dict[str, Any], data_db: Engine
) -> None:
    register(client)
    recent, old = NOW - timedelta(days=5), NOW - timedelta(days=40)
    plant(data_db, [row("粤T12345", recent), row("粤T12345", old)])
    alert = AlertRaised(
        alert_id=uuid.uuid4(),
        status=AlertStatus.POSSIBLE,
        entry_id=uuid.uuid4(),
        sighting_id=uuid.uuid4(),
        unit_path="sz/f",
        plate="粤T12345",
        reason=HotlistReason.STOLEN_VEHICLE,
        device_id="cp-1",
        seen_at=recent,
    )
    publish_envelopes(
        platform_config["AMQP_URI"],
        build_envelope(
            event_type=ALERT_RAISED,
            payload=alert,
            producer="warning",
            actor=SYSTEM_ACTOR,
            traceparent=None,
        ),
        copies=2,
    )

    result = eventually(lambda: (d := dossier(client, PATROL))["alerts"] and d, what="the alert")

    assert [datetime.fromisoformat(s["seen_at"]) for s in result["recent_sightings"]] == [recent]
    (shown,) = result["alerts"]
    assert shown["alert_id"] == str(alert.alert_id) and shown["status"] == "possible"
    assert result["vehicle"]["plate"] == "粤T12345"
    with data_db.connect() as conn:
        payloads = [
            r["payload"]
            for r in map(
                __import__("orjson").loads, conn.execute(select(outbox.c.envelope)).scalars()
            )
        ]
    served = [p for p in payloads if p["operation"] == "data.vehicle_dossier"]
    assert served and served[-1]["subject"] == "plate=粤T12345"
