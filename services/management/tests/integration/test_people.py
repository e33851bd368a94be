"""People and organisation: departments, roles and status changes with their record, login
attempts in the ledger, lock-out after repeated failures."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, select

from chassis.tables import outbox
from contracts.actor import Actor, ActorKind
from contracts.audit import audit_event_type
from contracts.identity import OFFICER_TOKENS_REVOKED
from services.management.tests.integration.test_identity import PASSWORD, seed_city

ADMIN = Actor(kind=ActorKind.OFFICER, id="o-admin", unit="sz", scope="sz", roles=("admin",))
OFFICER = Actor(kind=ActorKind.OFFICER, id="o-futian", unit="futian-1", roles=("officer",))


def staged(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id)
        ).scalars()
        return [orjson.loads(r)["payload"] for r in rows]


def records(engine: Engine, operation: str) -> list[dict[str, Any]]:
    return [
        p for p in staged(engine, audit_event_type("management")) if p["operation"] == operation
    ]


def test_departments_hang_under_the_city_or_a_branch(call: Any) -> None:
    proxy = call()
    seed_city(proxy)
    proxy.create_unit({"id": "sz-cid", "name": "CID", "level": "department", "parent_id": "sz"})
    proxy.create_unit(
        {"id": "futian-traffic", "name": "Traffic", "level": "department", "parent_id": "futian"}
    )
    with pytest.raises(RemoteError) as refused:
        proxy.create_unit(
            {"id": "x-dept", "name": "X", "level": "department", "parent_id": "futian-1"}
        )
    assert refused.value.exc_type == "ValidationFailed"


def test_a_roles_change_is_recorded_with_its_reason_and_revokes_the_old_tokens(
    call: Any, management_db: Engine
) -> None:
    seed_city(call())
    admin = call(ADMIN)
    changed = admin.change_officer_roles(
        "o-futian", {"roles": ["investigator", "officer"], "reason": "joined the CID"}
    )
    assert changed["roles"] == ["investigator", "officer"]
    (record,) = records(management_db, "management.change_roles")
    assert record["subject"] == "officer=o-futian"
    assert record["details"] == {
        "before": ["officer"],
        "after": ["investigator", "officer"],
        "reason": "joined the CID",
    }
    assert [p["officer_id"] for p in staged(management_db, OFFICER_TOKENS_REVOKED)] == ["o-futian"]
    with pytest.raises(RemoteError) as refused:
        call(OFFICER).change_officer_roles("o-futian", {"roles": ["admin"], "reason": "why not"})
    assert refused.value.exc_type == "Forbidden"


def test_a_disabled_officer_cannot_log_in_and_their_tokens_are_revoked(
    call: Any, management_db: Engine
) -> None:
    proxy = call()
    seed_city(proxy)
    admin = call(ADMIN)
    disabled = admin.disable_officer("o-futian", {"reason": "suspended pending inquiry"})
    assert disabled["active"] is False
    assert [p["officer_id"] for p in staged(management_db, OFFICER_TOKENS_REVOKED)] == ["o-futian"]
    with pytest.raises(RemoteError) as refused:
        proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})
    assert refused.value.exc_type == "Unauthenticated"
    admin.enable_officer("o-futian", {"reason": "inquiry closed"})
    assert proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})
    operations = [
        r["operation"]
        for r in staged(management_db, audit_event_type("management"))
        if r["subject"] == "officer=o-futian"
    ]
    assert operations == ["management.disable_officer", "management.enable_officer"]


def test_logins_are_recorded_and_repeated_failures_lock_the_account(
    call: Any, management_db: Engine, settings_overrides: dict[str, Any]
) -> None:
    proxy = call()
    seed_city(proxy)
    assert proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})
    for _ in range(5):  # the default limit
        with pytest.raises(RemoteError) as wrong:
            proxy.issue_officer_token({"username": "o-futian", "password": "x" * 20})
        assert wrong.value.exc_type == "Unauthenticated"
    with pytest.raises(RemoteError) as locked_out:  # even the right password, for a while
        proxy.issue_officer_token({"username": "o-futian", "password": PASSWORD})
    assert locked_out.value.exc_type == "RateLimited"
    # another officer is not affected
    assert proxy.issue_officer_token({"username": "o-nanshan", "password": PASSWORD})

    logins = records(management_db, "management.login")
    outcomes = [(r["subject"], r["outcome"]) for r in logins]
    assert outcomes == [
        ("username=o-futian", "allowed"),
        *[("username=o-futian", "unauthenticated")] * 6,
        ("username=o-nanshan", "allowed"),
    ]
    assert [r["details"].get("locked") for r in logins[1:6]] == [False] * 4 + [True]
