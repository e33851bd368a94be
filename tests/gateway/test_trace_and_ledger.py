"""An auditor follows one request across services, finds its audit records, and verifies the
ledger; a record altered in the database is named by verification."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import create_engine, text

from chassis.testing.infra import DATABASE_URL
from tests.support.platform import Gateway, Platform

AUDIT = {"X-Purpose": "audit_oversight"}


async def eventually_json(gateway: Gateway, url: str, headers: dict[str, str], ok: Any) -> Any:
    deadline = time.monotonic() + 15
    while True:
        response = await gateway.client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if ok(body):
            return body
        assert time.monotonic() < deadline, f"not within 15s: {url} -> {body}"
        await asyncio.sleep(0.2)


async def test_the_trace_of_a_request_across_two_services_and_its_audit_records(
    gateway: Gateway, platform: Platform
) -> None:
    officer = await gateway.token("o-futian")
    response = await gateway.client.get(
        "/api/v1/test/hop", headers={"Authorization": f"Bearer {officer}"}
    )
    assert response.status_code == 200, response.text
    trace_id = response.headers["x-trace-id"]
    auditor = {"Authorization": f"Bearer {await gateway.token('o-auditor')}", **AUDIT}

    story = await eventually_json(
        gateway,
        f"/api/v1/audit/traces/{trace_id}",
        auditor,
        lambda s: (
            {"gateway", "slowpoke", "management"} <= {x["service"] for x in s["spans"]}
            and s["audit"]
        ),
    )
    names = [s["name"] for s in story["spans"]]
    assert "GET /api/v1/test/hop" in names
    assert "slowpoke.hop" in names and "management.jwks" in names
    starts = [s["start_time"] for s in story["spans"]]
    assert starts == sorted(starts)
    for span in story["spans"]:  # spans carry no personal data: no URLs, tokens or arguments
        assert not any(
            "Bearer" in str(v) or "o-futian" in str(v) for v in span["attributes"].values()
        )
    (record,) = story["audit"]
    assert record["operation"] == "test.hop"
    assert record["actor"]["id"] == "o-futian"
    assert record["outcome"] == "allowed"

    by_trace = await gateway.client.get(
        "/api/v1/audit/records", params={"trace_id": trace_id}, headers=auditor
    )
    assert [r["record_id"] for r in by_trace.json()["items"]] == [record["record_id"]]
    verify = await gateway.client.get("/api/v1/audit/verify", headers=auditor)
    assert verify.json()["ok"] is True


async def test_verify_fails_naming_an_entry_altered_in_the_database(
    gateway: Gateway, platform: Platform
) -> None:
    auditor = {"Authorization": f"Bearer {await gateway.token('o-auditor')}", **AUDIT}
    before = (await gateway.client.get("/api/v1/audit/verify", headers=auditor)).json()
    assert before["ok"] is True and before["size"] > 1
    victim = before["size"] // 2
    engine = create_engine(DATABASE_URL)
    table = f'"{platform.schema_prefix}management".ledger_entries'
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            original = conn.execute(
                text(f"SELECT outcome FROM {table} WHERE leaf_index = :i"), {"i": victim}
            ).scalar_one()
            altered = "allowed" if original == "denied" else "denied"  # a real change
            conn.execute(
                text(f"UPDATE {table} SET outcome = :o WHERE leaf_index = :i"),
                {"o": altered, "i": victim},
            )
        report = (await gateway.client.get("/api/v1/audit/verify", headers=auditor)).json()
        assert report["ok"] is False
        assert report["first_broken_index"] == victim
    finally:
        with engine.begin() as conn:  # put it back for the tests after this one
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                text(f"UPDATE {table} SET outcome = :o WHERE leaf_index = :i"),
                {"o": original, "i": victim},
            )
        engine.dispose()
    assert (await gateway.client.get("/api/v1/audit/verify", headers=auditor)).json()["ok"]


async def test_every_request_is_recorded_even_when_refused(gateway: Gateway) -> None:
    anonymous = await gateway.client.get("/api/v1/audit/verify")
    assert anonymous.status_code == 401
    auditor = {"Authorization": f"Bearer {await gateway.token('o-auditor')}", **AUDIT}
    trace_id = anonymous.headers["x-trace-id"]
    found = await eventually_json(
        gateway,
        f"/api/v1/audit/traces/{trace_id}",
        auditor,
        lambda s: any(r["outcome"] == "unauthenticated" for r in s["audit"]),
    )
    (entry,) = found["audit"]
    assert entry["operation"] == "audit.verify"
    assert entry["http_status"] == 401
    assert entry["actor"]["kind"] == "anonymous"


async def test_requests_refused_before_any_operation_are_recorded_too(
    gateway_factory: Any,
) -> None:
    gateway: Gateway = await gateway_factory(max_body_bytes=2048)
    oversized = await gateway.client.post(
        "/api/v1/management/units",
        content=b"x" * 4096,
        headers={"Content-Type": "application/json"},
    )
    unknown = await gateway.client.get("/api/v1/no/such/route")
    assert (oversized.status_code, unknown.status_code) == (413, 404)
    auditor = {"Authorization": f"Bearer {await gateway.token('o-auditor')}", **AUDIT}
    for response, status in ((oversized, 413), (unknown, 404)):
        story = await eventually_json(
            gateway,
            f"/api/v1/audit/traces/{response.headers['x-trace-id']}",
            auditor,
            lambda s: s["audit"],
        )
        (entry,) = story["audit"]
        assert entry["outcome"] == "rejected"
        assert entry["http_status"] == status
        assert entry["operation"] == "unrouted"
