"""The audit ledger: idempotent appends, queries, RFC 6962 verification and tamper evidence."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from chassis.outbox import build_envelope
from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from contracts.actor import Actor, ActorKind, Purpose
from contracts.audit import AuditRecord, Outcome, audit_event_type
from contracts.envelope import EventEnvelope

TRACE = "0af7651916cd43dd8448eb211c80319c"
OFFICER = Actor(
    kind=ActorKind.OFFICER,
    id="o-17",
    unit="futian-1",
    purpose=Purpose.CRIMINAL_INVESTIGATION,
    case_id="case-9",
)


def audit_event(n: int, subject: str | None = None, trace: str = TRACE) -> EventEnvelope:
    return build_envelope(
        event_type=audit_event_type("gateway"),
        payload=AuditRecord(
            operation="data.read_vehicle",
            outcome=Outcome.ALLOWED,
            subject=subject,
            http_status=200,
            request_id=f"r-{n}",
        ),
        producer="gateway",
        actor=OFFICER,
        traceparent=f"00-{trace}-{n:016x}-01",
    )


def ledger_size(proxy: Any) -> int:
    return int(proxy.verify_ledger()["size"])


def test_audit_events_append_once_each_and_the_ledger_verifies(
    call: Any, platform_config: dict[str, Any]
) -> None:
    proxy = call()
    events = [audit_event(1, subject="粤T12345"), audit_event(2), audit_event(3, trace="f" * 32)]
    publish_envelopes(platform_config["AMQP_URI"], *events, copies=2)  # every one redelivered

    eventually(lambda: ledger_size(proxy) == 3, what="three entries")
    report = proxy.verify_ledger()
    assert report["ok"] is True and report["size"] == 3 and len(report["root"]) == 64

    by_trace = proxy.query_ledger({"trace_id": TRACE})["items"]
    assert [e["record_id"] for e in by_trace] == [str(events[0].event_id), str(events[1].event_id)]
    assert by_trace[0]["actor"]["id"] == "o-17"
    assert by_trace[0]["purpose"] == "criminal_investigation"
    assert by_trace[0]["case_id"] == "case-9"
    by_subject = proxy.query_ledger({"subject": "粤T12345"})["items"]
    assert [e["subject"] for e in by_subject] == ["粤T12345"]
    assert proxy.query_ledger({"actor": "somebody-else"})["items"] == []
    page = proxy.query_ledger({"limit": 2})
    assert len(page["items"]) == 2 and page["next_cursor"] == "1"
    rest = proxy.query_ledger({"limit": 2, "after_index": 1})
    assert [e["index"] for e in rest["items"]] == [2]


def test_verify_names_the_first_entry_altered_in_the_database(
    call: Any, platform_config: dict[str, Any], management_db: Engine
) -> None:
    proxy = call()
    publish_envelopes(platform_config["AMQP_URI"], *(audit_event(n) for n in range(4)))
    eventually(lambda: ledger_size(proxy) == 4)
    assert proxy.verify_ledger()["ok"] is True

    with management_db.begin() as conn:  # an attacker with the database's own powers
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE ledger_entries SET actor_id = 'o-99' WHERE leaf_index = 2"))

    report = proxy.verify_ledger()
    assert report["ok"] is False
    assert report["first_broken_index"] == 2
    assert "leaf hash" in report["problem"]


def test_a_rewrite_consistent_with_its_leaf_hash_breaks_the_recorded_tree_head(
    call: Any, platform_config: dict[str, Any], management_db: Engine
) -> None:
    proxy = call()
    publish_envelopes(platform_config["AMQP_URI"], *(audit_event(n) for n in range(3)))
    eventually(lambda: ledger_size(proxy) == 3)
    assert proxy.sign_tree_head_now()["size"] == 3

    with management_db.begin() as conn:  # delete the newest entry: leaves stay self-consistent
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM ledger_entries WHERE leaf_index = 2"))

    report = proxy.verify_ledger()
    assert report["ok"] is False
    assert "tree head of size 3" in report["problem"]


def test_the_ledger_refuses_updates_and_deletes(
    call: Any, platform_config: dict[str, Any], management_db: Engine
) -> None:
    proxy = call()
    publish_envelopes(platform_config["AMQP_URI"], audit_event(1))
    eventually(lambda: ledger_size(proxy) == 1)
    for statement in (
        "UPDATE ledger_entries SET outcome = 'denied'",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), management_db.begin() as conn:
            conn.execute(text(statement))


def test_retention_deletes_personal_details_and_the_ledger_still_verifies(
    call: Any, platform_config: dict[str, Any], management_db: Engine
) -> None:
    proxy = call()
    publish_envelopes(platform_config["AMQP_URI"], audit_event(1, subject="粤T12345"))
    eventually(lambda: ledger_size(proxy) == 1)
    with management_db.begin() as conn:  # the details were recorded four years ago
        conn.execute(text("UPDATE ledger_details SET created_at = now() - interval '4 years'"))

    receipts = {r["data_class"]: r for r in proxy.apply_retention_now()}

    assert receipts["ledger_details"]["rows"] == 1
    (entry,) = proxy.query_ledger({"trace_id": TRACE})["items"]
    assert entry["subject"] is None  # the personal detail is gone
    assert proxy.query_ledger({"subject": "粤T12345"})["items"] == [entry]  # still findable
    assert proxy.verify_ledger()["ok"] is True  # and the log unbroken
