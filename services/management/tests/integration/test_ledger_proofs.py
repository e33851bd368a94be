"""Signed tree heads, inclusion and consistency proofs, and the witness outside the database:
everything checked the way an auditor would, offline, with `ledger_check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import Engine, text

from chassis.testing.polling import eventually
from chassis.testing.publish import publish_envelopes
from services.management.domain.merkle import leaf_hash
from services.management.ledger_check import (
    check_consistency,
    check_inclusion,
    check_witness,
    keys_by_kid,
)
from services.management.tests.integration.test_ledger import audit_event, ledger_size
from services.management.witness import read_witness


def grow_to(proxy: Any, uri: str, size: int) -> dict[str, Any]:
    start = ledger_size(proxy)
    publish_envelopes(uri, *(audit_event(n) for n in range(start, size)))
    eventually(lambda: ledger_size(proxy) == size, what=f"{size} entries")
    head: dict[str, Any] = proxy.sign_tree_head_now()
    assert head["size"] == size
    return head


def test_proofs_verify_offline_and_the_witness_holds_every_head(
    call: Any, platform_config: dict[str, Any], witness_path: Path
) -> None:
    proxy = call()
    uri = platform_config["AMQP_URI"]
    first = grow_to(proxy, uri, 5)
    assert proxy.sign_tree_head_now() is None  # nothing appended since: no new head
    second = grow_to(proxy, uri, 9)
    keys = keys_by_kid(proxy.ledger_keys())
    assert set(keys) == {first["kid"]} == {second["kid"]}

    for index in (0, 3, 8):
        proof = proxy.ledger_inclusion_proof({"leaf_index": index, "tree_size": 9})
        assert check_inclusion(proof, keys) == []
    proof = proxy.ledger_consistency_proof({"first": 5, "second": 9})
    assert check_consistency(proof, keys) == []

    witnessed = read_witness(witness_path)
    assert [w["size"] for w in witnessed] == [5, 9]
    assert check_witness(witnessed, keys) == []
    heads = proxy.ledger_tree_heads()["heads"]
    assert [h["size"] for h in heads] == [9, 5]


def test_a_forged_proof_or_signature_is_caught(call: Any, platform_config: dict[str, Any]) -> None:
    proxy = call()
    grow_to(proxy, platform_config["AMQP_URI"], 6)
    keys = keys_by_kid(proxy.ledger_keys())
    proof = proxy.ledger_inclusion_proof({"leaf_index": 2, "tree_size": 6})
    altered_entry = {**proof, "entry": (b"x" + bytes.fromhex(proof["entry"])).hex()}
    assert check_inclusion(altered_entry, keys) == ["entry 2 is not in the tree of size 6"]
    forged_head = {**proof, "tree_head": {**proof["tree_head"], "timestamp_ms": 1}}
    assert check_inclusion(forged_head, keys) == [
        "tree head of size 6: the signature does not verify"
    ]


def test_history_rewritten_in_the_database_is_caught_by_the_witness(
    call: Any, platform_config: dict[str, Any], management_db: Engine, witness_path: Path
) -> None:
    proxy = call()
    uri = platform_config["AMQP_URI"]
    grow_to(proxy, uri, 4)
    # an operator with the database's powers rewrites entry 1 with a matching leaf hash and
    # throws away the recorded heads, so the database alone verifies again
    with management_db.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        row = conn.execute(text("SELECT entry FROM ledger_entries WHERE leaf_index = 1")).one()
        forged = bytes(row.entry).replace(b"data.read_vehicle", b"data.read_nothing")
        conn.execute(
            text(
                "UPDATE ledger_entries SET entry = :e, leaf_hash = :h, "
                "operation = 'data.read_nothing' WHERE leaf_index = 1"
            ),
            {"e": forged, "h": leaf_hash(forged)},
        )
        conn.execute(text("DELETE FROM ledger_tree_heads"))
    assert proxy.verify_ledger()["ok"] is True  # the database alone no longer tells
    grow_to(proxy, uri, 6)

    keys = keys_by_kid(proxy.ledger_keys())
    problems = check_witness(read_witness(witness_path), keys)
    assert problems == [
        "tree head of size 6: a head is missing before it",  # the heads thrown away
        "tree head of size 6 does not extend the tree of size 4",  # entry 1 rewritten
    ]


@pytest.mark.parametrize(
    ("method", "query", "refusal"),
    [
        ("ledger_inclusion_proof", {"leaf_index": 0, "tree_size": 77}, "NotFound"),
        ("ledger_inclusion_proof", {"leaf_index": 5, "tree_size": 3}, "ValidationFailed"),
        ("ledger_consistency_proof", {"first": 3, "second": 2}, "ValidationFailed"),
        ("ledger_consistency_proof", {"first": 0, "second": 3}, "ValidationFailed"),
    ],
)
def test_proofs_of_heads_that_were_never_signed_are_refused(
    call: Any, platform_config: dict[str, Any], method: str, query: dict[str, int], refusal: str
) -> None:
    proxy = call()
    grow_to(proxy, platform_config["AMQP_URI"], 3)
    with pytest.raises(RemoteError) as refused:
        getattr(proxy, method)(query)
    assert refused.value.exc_type == refusal
