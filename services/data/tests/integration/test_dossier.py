"""The vehicle dossier: one call, owner masked unless the purpose allows, alerts from events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, insert, select, text

from chassis.outbox import build_envelope
from chassis.tables import outbox
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind, Purpose
from contracts.cases import CASE_CHANGED, CaseChanged, CaseStatus
from contracts.fines import FINE_CHANGED, FineChanged, FineStatus
from contracts.warning import (
    ALERT_RAISED,
    HOTLIST_ENTRY_CHANGED,
    AlertRaised,
    AlertStatus,
    HotlistEntryChanged,
    HotlistEntryState,
    HotlistReason,
)
from services.data.store import authorisations, persons
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
INVESTIGATING = PATROL.model_copy(
    update={"purpose": Purpose.CRIMINAL_INVESTIGATION, "case_id": "case-1"}
)


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
    recent, old = NOW - timedelta(days=5), NOW - timedelta(days=100)
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


def announce(amqp_uri: str, event_type: str, producer: str, *payloads: Any) -> None:
    publish_envelopes(
        amqp_uri,
        *(
            build_envelope(
                event_type=event_type,
                payload=p,
                producer=producer,
                actor=SYSTEM_ACTOR,
                traceparent=None,
            )
            for p in payloads
        ),
    )


def test_fines_hotlist_entries_and_cases_from_the_pillars_events_latest_state_wins(
    client: Any, platform_config: dict[str, Any], data_db: Engine
) -> None:
    register(client)
    uri = platform_config["AMQP_URI"]
    fine_id, entry_id = uuid.uuid4(), uuid.uuid4()
    fine = FineChanged(
        fine_id=fine_id,
        plate="粤T12345",
        violation="speeding 20-50%",
        amount_fen=20000,
        issued_at=NOW - timedelta(days=3),
        status=FineStatus.UNPAID,
        changed_at=NOW - timedelta(days=3),
    )
    paid = fine.model_copy(update={"status": FineStatus.PAID, "changed_at": NOW})
    # the payment's event overtakes the issue's: the older state must not win
    announce(uri, FINE_CHANGED, "citizen", paid)
    announce(uri, FINE_CHANGED, "citizen", fine)
    listed = HotlistEntryChanged(
        entry_id=entry_id,
        plate="粤T12345",
        reason=HotlistReason.STOLEN_VEHICLE,
        case_id="case-7",
        expires_at=NOW - timedelta(minutes=1),  # its time has passed
        unit_path="sz/f",
        state=HotlistEntryState.ACTIVE,
        changed_at=NOW - timedelta(days=1),
    )
    announce(uri, HOTLIST_ENTRY_CHANGED, "warning", listed)
    opened = CaseChanged(
        case_id="case-7",
        title="Theft of a white BYD",
        status=CaseStatus.OPEN,
        unit_path="sz/f",
        plates=["粤T12345", "粤B11111"],
        changed_at=NOW - timedelta(days=2),
    )
    other = opened.model_copy(
        update={"case_id": "case-8", "plates": ["粤T12345"], "changed_at": NOW - timedelta(days=2)}
    )
    unlinked = other.model_copy(update={"plates": ["粤B11111"], "changed_at": NOW})
    announce(uri, CASE_CHANGED, "investigation", opened, other, unlinked)

    def settled() -> dict[str, Any] | None:
        result = dossier(client, TRAFFIC)
        done = result["fines"] and result["hotlist_entries"] and result["cases"]
        with data_db.connect() as conn:
            applied = conn.execute(text("SELECT count(*) FROM inbox")).scalar_one()
        return result if done and applied == 6 else None

    result = eventually(settled, timeout=15)
    (shown_fine,) = result["fines"]
    assert (shown_fine["fine_id"], shown_fine["status"]) == (str(fine_id), "paid")
    (entry,) = result["hotlist_entries"]
    assert (entry["entry_id"], entry["state"]) == (str(entry_id), "expired")
    assert [c["case_id"] for c in result["cases"]] == ["case-7"]  # case-8 no longer links it


def test_old_sightings_only_inside_a_live_authorisation_for_the_case(
    client: Any, data_db: Engine
) -> None:
    register(client)
    recent, old = NOW - timedelta(days=5), NOW - timedelta(days=100)
    plant(data_db, [row("粤T12345", recent), row("粤T12345", old)])
    grant = {
        "case_id": "case-1",
        "plate": "粤T12345",
        "since": (NOW - timedelta(days=120)).isoformat(),
        "until": (NOW - timedelta(days=80)).isoformat(),
        "expires_at": (NOW + timedelta(days=1)).isoformat(),
        "reason": "the vehicle of a burglary in August",
    }
    supervisor = INVESTIGATING.model_copy(update={"roles": ("supervisor",)})
    with client(supervisor) as rpc:
        live = rpc.data.issue_authorisation(grant)["authorisation_id"]
    expired = uuid.uuid4()
    with data_db.begin() as conn:
        conn.execute(
            insert(authorisations).values(
                authorisation_id=expired,
                case_id="case-1",
                plate="粤T12345",
                since=NOW - timedelta(days=120),
                until=NOW - timedelta(days=80),
                expires_at=NOW - timedelta(minutes=1),
                reason="lapsed",
                issued_by="o-sup",
            )
        )

    without = dossier(client, INVESTIGATING)
    assert [datetime.fromisoformat(p["seen_at"]) for p in without["recent_sightings"]] == [recent]
    assert without["older_sightings"] == []
    with client(INVESTIGATING) as rpc:
        authorised = rpc.data.vehicle_dossier("粤T12345", live)
    assert [datetime.fromisoformat(p["seen_at"]) for p in authorised["older_sightings"]] == [old]
    for refused_with, actor in (
        (str(expired), INVESTIGATING),  # lapsed
        (live, INVESTIGATING.model_copy(update={"case_id": "case-2"})),  # another case
        (str(uuid.uuid4()), INVESTIGATING),  # no such authorisation
    ):
        with client(actor) as rpc, pytest.raises(RemoteError) as refused:
            rpc.data.vehicle_dossier("粤T12345", refused_with)
        assert refused.value.exc_type == "Forbidden"
