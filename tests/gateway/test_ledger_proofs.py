"""An auditor fetches signed tree heads, keys and proofs through the gateway and checks them
offline."""

from __future__ import annotations

from typing import Any

from demo import drive
from gateway.broker import connect
from gateway.rpc import RpcClient
from services.management.ledger_check import check_consistency, check_inclusion, keys_by_kid
from tests.support.platform import Gateway, Platform


async def sign_now(platform: Platform) -> dict[str, Any] | None:
    connection = await connect(platform.amqp_uri, "test-sign")
    rpc = RpcClient(default_timeout_s=30)
    await rpc.start(connection)
    try:
        head: dict[str, Any] | None = await rpc.call("management", "sign_tree_head_now")
        return head
    finally:
        await rpc.stop()
        await connection.close()


async def test_an_auditor_checks_inclusion_and_consistency_offline(
    gateway: Gateway, platform: Platform
) -> None:
    auditor = {"Authorization": f"Bearer {await gateway.token('o-auditor')}"}
    first = await sign_now(platform)
    assert first is not None
    await gateway.client.get("/api/v1/audit/verify", headers=auditor)  # the ledger grows
    # once that request's record has reached the ledger, there is a new head to sign
    second = await drive.until(lambda: sign_now(platform), "a second tree head")

    heads = (await gateway.client.get("/api/v1/audit/tree-heads", headers=auditor)).json()
    assert heads["heads"][0]["size"] == second["size"]
    keys = keys_by_kid(
        (await gateway.client.get("/api/v1/audit/ledger-keys", headers=auditor)).json()
    )
    inclusion = await gateway.client.get(
        "/api/v1/audit/proofs/inclusion",
        params={"leaf_index": first["size"] - 1, "tree_size": second["size"]},
        headers=auditor,
    )
    assert inclusion.status_code == 200, inclusion.text
    assert check_inclusion(inclusion.json(), keys) == []
    consistency = await gateway.client.get(
        "/api/v1/audit/proofs/consistency",
        params={"first": first["size"], "second": second["size"]},
        headers=auditor,
    )
    assert check_consistency(consistency.json(), keys) == []

    officer = {"Authorization": f"Bearer {await gateway.token('o-futian')}"}
    refused = await gateway.client.get("/api/v1/audit/ledger-keys", headers=officer)
    assert refused.status_code == 403
