"""Oversight from the ledger: a planted bulk reader among ordinary officers raises one case,
with evidence, that only the inspection unit sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import Actor, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.envelope import EventEnvelope
from services.management.tests.integration.test_ledger import ledger_size

SINCE = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; 00:00 UTC is 08:00 in Shenzhen
INSPECTOR = Actor(kind=ActorKind.OFFICER, id="o-insp", unit="sz", scope="sz", roles=("inspector",))


def served(officer: str, at: datetime, subject: str, case_id: str | None = None) -> EventEnvelope:
    actor = Actor(
        kind=ActorKind.OFFICER,
        id=officer,
        unit="futian-1",
        scope="sz/futian",
        roles=("officer",),
        purpose=Purpose.CRIMINAL_INVESTIGATION if case_id else Purpose.PATROL_AND_PREVENTION,
        case_id=case_id,
    )
    return build_envelope(
        event_type=audit_event_type("data"),
        payload=AuditRecord(operation="data.find_person", outcome=Outcome.SERVED, subject=subject),
        producer="data",
        actor=actor,
        traceparent=None,
        clock=lambda: at,
    )


def population() -> list[EventEnvelope]:
    events = []
    for n in range(12):  # ordinary officers: a few reads a day, in working hours
        for day in range(5):
            for k in range(3 + n % 3):
                at = SINCE + timedelta(days=day, hours=1 + k * 2, minutes=n)
                events.append(served(f"o-{n:02d}", at, f"plate=粤B{n:02d}{day}{k}"))
    for k in range(120):  # the planted one: 120 people looked up in one night, no case
        at = SINCE + timedelta(days=2, hours=18, seconds=20 * k)  # 02:00 in Shenzhen
        events.append(served("o-bulk", at, f"person=p-{k:05d}"))
    return events


def test_a_bulk_reader_is_raised_to_the_inspection_unit_alone(
    call: Any, platform_config: dict[str, Any]
) -> None:
    proxy = call()
    events = population()
    publish_envelopes(platform_config["AMQP_URI"], *events)
    eventually(lambda: ledger_size(proxy) == len(events), timeout=30, what="every read recorded")

    window = {"since": SINCE.isoformat(), "until": (SINCE + timedelta(days=7)).isoformat()}
    inspector = call(INSPECTOR)
    result = inspector.run_oversight(window)
    assert result == {"reads": len(events), "officers": 13, "raised": 1}
    assert inspector.run_oversight(window)["raised"] == 0  # raised once per window

    (case,) = inspector.list_oversight_cases()["cases"]
    assert case["officer_id"] == "o-bulk" and case["status"] == "open"
    assert "out_of_hours_bulk" in case["signals"]
    bulk = next(f for f in case["flag"]["findings"] if f["code"] == "out_of_hours_bulk")
    assert bulk["figure"] >= 100 and bulk["evidence"]
    assert all(e["purpose"] == "patrol_and_prevention" for e in bulk["evidence"])

    admin = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
    with pytest.raises(RemoteError) as refused:
        call(admin).list_oversight_cases()
    assert refused.value.exc_type == "Forbidden"


def test_an_oversight_case_is_deleted_after_its_retention_period(
    call: Any, platform_config: dict[str, Any], management_db: Engine
) -> None:
    proxy = call()
    events = population()
    publish_envelopes(platform_config["AMQP_URI"], *events)
    eventually(lambda: ledger_size(proxy) == len(events), timeout=30, what="every read recorded")
    window = {"since": SINCE.isoformat(), "until": (SINCE + timedelta(days=7)).isoformat()}
    assert call(INSPECTOR).run_oversight(window)["raised"] == 1
    assert {r["data_class"]: r["rows"] for r in proxy.apply_retention_now()}[
        "oversight_cases"
    ] == 0  # young: kept
    with management_db.begin() as conn:  # raised four years ago
        conn.execute(text("UPDATE oversight_cases SET created_at = now() - interval '4 years'"))
    receipts = {r["data_class"]: r["rows"] for r in proxy.apply_retention_now()}
    assert receipts["oversight_cases"] == 1
    assert call(INSPECTOR).list_oversight_cases()["cases"] == []
