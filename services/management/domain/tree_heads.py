"""Signed tree heads of the audit ledger and the checks anyone can run on them offline.

A tree head says "the ledger had `size` entries and this Merkle root at `timestamp_ms`", signed
with the ledger's own ES256 key. Copies kept outside the platform's database (the witness)
make a rewrite of history visible: the rewritten ledger cannot produce a consistency proof from
a head the witness already holds. Only hashlib and `cryptography` are needed to check one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from services.management.domain.merkle import (
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
)

#: domain separation: a tree-head signature can never be mistaken for any other signature
TREE_HEAD_CONTEXT = b"smart-policing audit ledger tree head v1\n"


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    timestamp_ms: int


def tree_head_message(head: TreeHead) -> bytes:
    return TREE_HEAD_CONTEXT + f"{head.size}\n{head.root.hex()}\n{head.timestamp_ms}\n".encode()


def sign_tree_head(private_key: ec.EllipticCurvePrivateKey, head: TreeHead) -> bytes:
    return private_key.sign(tree_head_message(head), ec.ECDSA(hashes.SHA256()))


def public_key_of(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    key = ECAlgorithm.from_jwk(jwk)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the ledger key must be a public EC key")
    return key


def signature_valid(
    public_key: ec.EllipticCurvePublicKey, head: TreeHead, signature: bytes
) -> bool:
    try:
        public_key.verify(signature, tree_head_message(head), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def entry_included(entry: bytes, index: int, head: TreeHead, audit_path: Sequence[bytes]) -> bool:
    """Whether the entry's bytes sit at `index` of the ledger the head describes."""
    try:
        return (
            root_from_inclusion_proof(index, head.size, leaf_hash(entry), audit_path) == head.root
        )
    except ValueError:
        return False


def heads_consistent(older: TreeHead, newer: TreeHead, proof: Sequence[bytes]) -> bool:
    """Whether the newer head's ledger only appended to the older head's."""
    return verify_consistency(older.size, newer.size, older.root, newer.root, proof)
