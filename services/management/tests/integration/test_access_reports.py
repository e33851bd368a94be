"""A citizen's "who looked at my data" report from the ledger: units and purposes, each read
once, their own look-ups left out, reads inside an open investigation withheld and counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import SYSTEM_ACTOR, Actor, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.cases import CASE_CHANGED, CaseChanged, CaseStatus
from contracts.envelope import EventEnvelope

SUBJECTS = ["person=p-7", "plate=粤B7A001"]
PATROL = Actor(
    kind=ActorKind.OFFICER,
    id="o-patrol",
    unit="futian-1",
    purpose=Purpose.PATROL_AND_PREVENTION,
)


def investigating(case_id: str) -> Actor:
    return PATROL.model_copy(
        update={"id": "o-detective", "purpose": Purpose.CRIMINAL_INVESTIGATION, "case_id": case_id}
    )


def read(
    actor: Actor, subject: str, *, producer: str = "gateway", trace: str | None = None
) -> EventEnvelope:
    trace = trace or uuid.uuid4().hex
    return build_envelope(
        event_type=audit_event_type(producer),
        payload=AuditRecord(operation=f"{producer}.read", outcome=Outcome.SERVED, subject=subject),
        producer=producer,
        actor=actor,
        traceparent=f"00-{trace}-{1:016x}-01",
    )


def case(case_id: str, status: CaseStatus) -> EventEnvelope:
    return build_envelope(
        event_type=CASE_CHANGED,
        payload=CaseChanged(
            case_id=case_id,
            title=case_id,
            status=status,
            unit_path="sz/futian/futian-1",
            plates=[],
            changed_at=datetime.now(UTC),
        ),
        producer="investigation",
        actor=SYSTEM_ACTOR,
        traceparent=None,
    )


def report(call: Any, **more: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    query = {
        "subjects": SUBJECTS,
        "requester": "c-me",
        "since": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(minutes=1)).isoformat(),
        **more,
    }
    result: dict[str, Any] = call().accesses_to_subjects(query)
    return result


def test_reads_of_my_records_by_unit_and_purpose_once_each(
    call: Any, platform_config: dict[str, Any]
) -> None:
    shared_trace = uuid.uuid4().hex
    events = [
        read(PATROL, "plate=粤B7A001", trace=shared_trace),
        read(PATROL, "plate=粤B7A001", producer="data", trace=shared_trace),  # the same read
        read(PATROL, "person=p-7"),
        read(PATROL, "person=p-8"),  # somebody else
        read(Actor(kind=ActorKind.CITIZEN, id="c-me"), "person=p-7", producer="citizen"),
    ]
    publish_envelopes(platform_config["AMQP_URI"], *events)
    eventually(lambda: len(report(call)["items"]) == 2, what="two reads of my records")

    result = report(call)
    assert result["withheld"] == 0 and result["note"] is None
    assert {(i["unit"], i["purpose"], i["officer"]) for i in result["items"]} == {
        ("futian-1", "patrol_and_prevention", None)
    }
    first = report(call, limit=1)
    assert len(first["items"]) == 1 and first["next_cursor"] is not None
    second = report(call, limit=1, cursor=first["next_cursor"])
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert first["items"][0] != second["items"][0]


def test_reads_inside_an_open_investigation_are_withheld_until_it_closes(
    call: Any, platform_config: dict[str, Any]
) -> None:
    publish_envelopes(
        platform_config["AMQP_URI"],
        case("case-open", CaseStatus.ACTIVE),
        case("case-done", CaseStatus.SOLVED),
        read(investigating("case-open"), "person=p-7"),
        read(investigating("case-done"), "person=p-7"),
        read(investigating("case-unknown"), "plate=粤B7A001"),
    )
    eventually(
        lambda: (r := report(call))["withheld"] == 2 and r, what="the open cases' reads withheld"
    )
    result = report(call)
    assert [i["purpose"] for i in result["items"]] == ["criminal_investigation"]
    assert "not shown yet" in result["note"]

    publish_envelopes(platform_config["AMQP_URI"], case("case-open", CaseStatus.CLOSED))
    eventually(lambda: report(call)["withheld"] == 1, what="the closed case's read shown")


def test_a_report_needs_a_window_that_ends_after_it_starts(call: Any) -> None:
    now = datetime.now(UTC).isoformat()
    with pytest.raises(RemoteError) as refused:
        call().accesses_to_subjects(
            {"subjects": SUBJECTS, "requester": "c-me", "since": now, "until": now}
        )
    assert refused.value.exc_type == "ValidationFailed"
