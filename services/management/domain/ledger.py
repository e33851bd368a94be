"""The audit ledger's entries: canonical bytes, digests of personal details."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import orjson

from services.management.domain.merkle import leaf_hash


def keyed_digest(key: bytes, value: str) -> str:
    """HMAC-SHA-256: a plate or an ID number cannot be recovered by hashing all candidates."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def details_digest(key: bytes, subject: str | None, details: dict[str, Any] | None) -> str | None:
    if subject is None and not details:
        return None
    return keyed_digest(
        key, orjson.dumps({"s": subject, "d": details}, option=orjson.OPT_SORT_KEYS).decode()
    )


def canonical_entry(
    *,
    index: int,
    record_id: str,
    occurred_at: datetime,
    producer: str,
    trace_id: str | None,
    actor: dict[str, Any],
    operation: str,
    outcome: str,
    purpose: str | None,
    case_id: str | None,
    subject_digest: str | None,
    details_digest: str | None,
    http_status: int | None,
) -> bytes:
    """The exact bytes a leaf hashes: sorted-key JSON of everything the entry asserts."""
    return orjson.dumps(
        {
            "index": index,
            "record_id": record_id,
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "producer": producer,
            "trace_id": trace_id,
            "actor": actor,
            "operation": operation,
            "outcome": outcome,
            "purpose": purpose,
            "case_id": case_id,
            "subject_digest": subject_digest,
            "details_digest": details_digest,
            "http_status": http_status,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def entry_leaf(entry: bytes) -> bytes:
    return leaf_hash(entry)
