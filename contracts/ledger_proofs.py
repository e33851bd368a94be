"""Signed tree heads of the audit ledger and the proofs that let anyone check it offline
(RFC 6962/9162: SHA-256 Merkle tree; heads signed ES256 over a fixed text, see
`services/management/domain/tree_heads.py` and the management README)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_HEAD_EXAMPLE: dict[str, Any] = {
    "size": 1024,
    "root": "9d5c…(64 hex)",
    "timestamp_ms": 1796000000000,
    "kid": "ledger-Xb3…",
    "signature": "3045…(DER, hex)",
    "recorded_at": "2026-11-29T08:00:00Z",
}


class SignedTreeHead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_HEAD_EXAMPLE]})

    size: int
    #: Merkle root, hex
    root: str
    timestamp_ms: int
    #: which ledger key signed it (`GET /api/v1/audit/ledger-keys`)
    kid: str
    #: ECDSA P-256 SHA-256 signature (DER, hex) over the tree-head text
    signature: str
    recorded_at: datetime


class TreeHeads(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"heads": [_HEAD_EXAMPLE], "next_cursor": None}]}
    )

    heads: list[SignedTreeHead]
    next_cursor: str | None = None


class InclusionProof(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "leaf_index": 17,
                    "tree_size": 1024,
                    "entry": "7b22…(the entry's canonical bytes, hex)",
                    "leaf_hash": "5f1e…",
                    "audit_path": ["a1b2…", "c3d4…"],
                    "tree_head": _HEAD_EXAMPLE,
                }
            ]
        }
    )

    leaf_index: int
    tree_size: int
    #: the entry's canonical bytes (hex): its leaf hash is SHA-256(0x00 || entry)
    entry: str
    leaf_hash: str
    audit_path: list[str]
    #: the signed head of this size
    tree_head: SignedTreeHead


class ConsistencyProof(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first": _HEAD_EXAMPLE,
                    "second": {**_HEAD_EXAMPLE, "size": 2048},
                    "proof": ["a1b2…", "c3d4…"],
                }
            ]
        }
    )

    first: SignedTreeHead
    second: SignedTreeHead
    proof: list[str]


class LedgerKeys(BaseModel):
    """Public keys (JWK) that sign tree heads, current and retired."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"keys": [{"kty": "EC", "crv": "P-256", "x": "…", "y": "…", "kid": "…"}]}]
        }
    )

    keys: list[dict[str, str]]


class ProofQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leaf_index: int = Field(ge=0)
    #: the size of a signed tree head
    tree_size: int = Field(ge=1)


class ConsistencyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: sizes of two signed tree heads, first ≤ second
    first: int = Field(ge=1)
    second: int = Field(ge=1)
