"""Check the audit ledger's proofs offline, with nothing but the files an auditor downloaded.

    python -m services.management.ledger_check keys.json inclusion proof.json
    python -m services.management.ledger_check keys.json consistency proof.json
    python -m services.management.ledger_check keys.json witness ledger-witness.jsonl

`keys.json` is `GET /api/v1/audit/ledger-keys`; a proof file is what
`GET /api/v1/audit/proofs/inclusion` or `…/consistency` returned; the witness file is the copy
of signed tree heads kept outside the database. Prints each problem found and exits 1, or
prints "ok" and exits 0. Needs hashlib and `cryptography` only (no database, no network).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from services.management.domain.tree_heads import (
    TreeHead,
    entry_included,
    heads_consistent,
    public_key_of,
    signature_valid,
)
from services.management.witness import read_witness


def _head(raw: dict[str, Any]) -> TreeHead:
    return TreeHead(int(raw["size"]), bytes.fromhex(raw["root"]), int(raw["timestamp_ms"]))


def _signed(raw: dict[str, Any], keys: dict[str, dict[str, Any]]) -> list[str]:
    jwk = keys.get(raw["kid"])
    if jwk is None:
        return [f"tree head of size {raw['size']}: signed by an unknown key {raw['kid']}"]
    if not signature_valid(public_key_of(jwk), _head(raw), bytes.fromhex(raw["signature"])):
        return [f"tree head of size {raw['size']}: the signature does not verify"]
    return []


def check_inclusion(proof: dict[str, Any], keys: dict[str, dict[str, Any]]) -> list[str]:
    problems = _signed(proof["tree_head"], keys)
    head = _head(proof["tree_head"])
    if head.size != proof["tree_size"]:
        problems.append("the proof is for another tree size than its head")
    path = [bytes.fromhex(p) for p in proof["audit_path"]]
    if not entry_included(bytes.fromhex(proof["entry"]), proof["leaf_index"], head, path):
        problems.append(f"entry {proof['leaf_index']} is not in the tree of size {head.size}")
    return problems


def check_consistency(proof: dict[str, Any], keys: dict[str, dict[str, Any]]) -> list[str]:
    problems = [*_signed(proof["first"], keys), *_signed(proof["second"], keys)]
    path = [bytes.fromhex(p) for p in proof["proof"]]
    if not heads_consistent(_head(proof["first"]), _head(proof["second"]), path):
        problems.append(
            f"the tree of size {proof['second']['size']} does not extend the tree of size "
            f"{proof['first']['size']}: history was rewritten"
        )
    return problems


def check_witness(lines: Sequence[dict[str, Any]], keys: dict[str, dict[str, Any]]) -> list[str]:
    """Every head signed, each one extending the one before it."""
    problems: list[str] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        problems += _signed(line, keys)
        if previous is not None:
            if line.get("previous_size") != previous["size"]:
                problems.append(f"tree head of size {line['size']}: a head is missing before it")
            path = [bytes.fromhex(p) for p in line["consistency_proof"]]
            if not heads_consistent(_head(previous), _head(line), path):
                problems.append(
                    f"tree head of size {line['size']} does not extend the tree of size "
                    f"{previous['size']}"
                )
        previous = line
    return problems


def keys_by_kid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["kid"]: k for k in document["keys"]}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("inclusion", "consistency", "witness"):
        print(__doc__)
        return 2
    keys = keys_by_kid(orjson.loads(Path(argv[0]).read_bytes()))
    target = Path(argv[2])
    if argv[1] == "witness":
        problems = check_witness(read_witness(target), keys)
    elif argv[1] == "inclusion":
        problems = check_inclusion(orjson.loads(target.read_bytes()), keys)
    else:
        problems = check_consistency(orjson.loads(target.read_bytes()), keys)
    for problem in problems:
        print(problem)
    if not problems:
        print("ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
