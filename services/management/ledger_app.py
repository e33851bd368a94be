"""Audit ledger and trace store use cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chassis.signing import (
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
    new_kid,
    public_jwk,
)
from contracts.actor import Actor
from contracts.audit import (
    AuditRecord,
    LedgerEntry,
    LedgerPage,
    LedgerQuery,
    SpanRecord,
    SpansExported,
    TraceStory,
    VerifyReport,
)
from contracts.data_access import MAX_REPORT_SCAN, DataAccess, DataAccessQuery, DataAccessReport
from contracts.envelope import EventEnvelope
from contracts.errors import NotFound, ValidationFailed
from contracts.ledger_proofs import (
    ConsistencyProof,
    ConsistencyQuery,
    InclusionProof,
    LedgerKeys,
    ProofQuery,
    SignedTreeHead,
    TreeHeads,
)
from services.management import store
from services.management.domain.access_reports import AccessPolicy, same_request, withheld
from services.management.domain.ledger import (
    canonical_entry,
    details_digest,
    entry_leaf,
    keyed_digest,
)
from services.management.domain.merkle import consistency_proof, inclusion_proof, tree_root
from services.management.domain.tree_heads import TreeHead, sign_tree_head
from services.management.settings import Settings
from services.management.witness import witness_copy


def _digest_key(settings: Settings) -> bytes:
    return settings.ledger_digest_key.get_secret_value().encode()


def _trace_id(traceparent: str | None) -> str | None:
    return traceparent.split("-")[1] if traceparent else None


def _canonical(row: Any) -> bytes:
    return canonical_entry(
        index=row["leaf_index"],
        record_id=str(row["record_id"]),
        occurred_at=row["occurred_at"],
        producer=row["producer"],
        trace_id=row["trace_id"],
        actor=row["actor"],
        operation=row["operation"],
        outcome=row["outcome"],
        purpose=row["purpose"],
        case_id=row["case_id"],
        subject_digest=row["subject_digest"],
        details_digest=row["details_digest"],
        http_status=row["http_status"],
    )


def append(session: Session, settings: Settings, events: list[EventEnvelope]) -> list[int]:
    """Append the audit records carried by `events`, in order; returns their leaf indexes.

    The whole batch takes the ledger lock once, so indexes stay contiguous and one commit
    covers many entries. Records already in the ledger (a redelivery) are skipped.
    """
    key = _digest_key(settings)
    rows: list[dict[str, Any]] = []
    details: dict[str, tuple[str | None, Any]] = {}
    for event in events:
        record = AuditRecord.model_validate(event.payload)
        digest = details_digest(key, record.subject, record.details)
        if digest is not None:
            details[digest] = (record.subject, record.details)
        actor = event.actor
        rows.append(
            {
                "record_id": event.event_id,
                "occurred_at": event.occurred_at,
                "producer": event.producer,
                "trace_id": _trace_id(event.traceparent),
                "actor_id": actor.id,
                "actor": actor.model_dump(mode="json", exclude_defaults=True),
                "operation": record.operation,
                "outcome": str(record.outcome),
                "purpose": str(actor.purpose) if actor.purpose else None,
                "case_id": actor.case_id,
                "subject_digest": keyed_digest(key, record.subject) if record.subject else None,
                "details_digest": digest,
                "http_status": record.http_status,
            }
        )
    if not rows:
        return []
    store.lock_ledger(session)
    # the entry's record id is the event's id and unique: the ledger is its own inbox, so a
    # redelivered record is found here instead of costing an inbox row for every record
    known = store.recorded_ids(session, [r["record_id"] for r in rows])
    rows = list({r["record_id"]: r for r in rows if r["record_id"] not in known}.values())
    if not rows:
        return []
    store.add_ledger_details(session, details)
    first = store.ledger_size(session)
    for offset, row in enumerate(rows):
        row["leaf_index"] = first + offset
        entry = _canonical(row)
        row["entry"], row["leaf_hash"] = entry, entry_leaf(entry)
    store.add_ledger_entries(session, rows)
    return [row["leaf_index"] for row in rows]


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        index=row.leaf_index,
        record_id=str(row.record_id),
        recorded_at=row.recorded_at,
        occurred_at=row.occurred_at,
        producer=row.producer,
        trace_id=row.trace_id,
        actor=Actor.model_validate(row.actor),
        operation=row.operation,
        outcome=row.outcome,
        purpose=row.purpose,
        case_id=row.case_id,
        subject=row.subject,
        details=row.details,
        http_status=row.http_status,
        leaf_hash=row.leaf_hash.hex(),
    )


def query(session: Session, settings: Settings, q: LedgerQuery) -> LedgerPage:
    t = store.ledger_entries
    filters: list[Any] = []
    if q.actor:
        filters.append(t.c.actor_id == q.actor)
    if q.producer:
        filters.append(t.c.producer == q.producer)
    if q.operation:
        filters.append(t.c.operation == q.operation)
    if q.subject:
        filters.append(t.c.subject_digest == keyed_digest(_digest_key(settings), q.subject))
    if q.purpose:
        filters.append(t.c.purpose == str(q.purpose))
    if q.case_id:
        filters.append(t.c.case_id == q.case_id)
    if q.trace_id:
        filters.append(t.c.trace_id == q.trace_id)
    if q.since:
        filters.append(t.c.occurred_at >= q.since)
    if q.until:
        filters.append(t.c.occurred_at < q.until)
    rows = store.query_ledger(session, filters, q.after_index, q.limit)
    items = [_entry(r) for r in rows]
    cursor = str(items[-1].index) if len(items) == q.limit else None
    return LedgerPage(items=items, next_cursor=cursor)


def access_policy(settings: Settings) -> AccessPolicy:
    return AccessPolicy(
        show_officers=settings.access_report_shows_officers,
        max_withhold=timedelta(days=settings.access_report_max_withhold_days),
    )


def accesses_to(
    session: Session, settings: Settings, q: DataAccessQuery, now: datetime
) -> DataAccessReport:
    """Reads of one person's records for their own report: each read once (the gateway's
    record and the service's share a trace), their own look-ups left out, reads inside an open
    investigation counted but not shown, officers' names only where policy shows them."""
    if q.until <= q.since:
        raise ValidationFailed("until must be after since")
    policy = access_policy(settings)
    key = _digest_key(settings)
    rows = store.accesses_to(
        session, [keyed_digest(key, s) for s in q.subjects], q.since, q.until, MAX_REPORT_SCAN + 1
    )
    truncated = len(rows) > MAX_REPORT_SCAN
    seen_traces: set[str] = set()
    shown: list[tuple[int, DataAccess]] = []
    held = 0
    for row in rows[:MAX_REPORT_SCAN]:
        actor = row.actor
        if actor.get("kind") == "citizen" and row.actor_id == q.requester:
            continue
        if same_request(row.trace_id, seen_traces):
            continue
        if withheld(policy, row.case_id, row.case_status, row.occurred_at, now):
            held += 1
            continue
        officer = actor.get("on_behalf_of") or (
            row.actor_id if actor.get("kind") == "officer" else None
        )
        shown.append(
            (
                row.leaf_index,
                DataAccess(
                    occurred_at=row.occurred_at,
                    unit=actor.get("unit"),
                    purpose=row.purpose,
                    operation=row.operation,
                    officer=officer if policy.show_officers else None,
                ),
            )
        )
    after = int(q.cursor) if q.cursor else None
    page = [(i, a) for i, a in shown if after is None or i < after][: q.limit + 1]
    more = len(page) > q.limit
    page = page[: q.limit]
    note = f"{held} reads made inside investigations still open are not shown yet" if held else None
    return DataAccessReport(
        items=[a for _, a in page],
        next_cursor=str(page[-1][0]) if more else None,
        withheld=held,
        truncated=truncated,
        note=note,
    )


def _broken(size: int, index: int | None, problem: str) -> VerifyReport:
    return VerifyReport(ok=False, size=size, root=None, first_broken_index=index, problem=problem)


def verify(session: Session) -> VerifyReport:
    """Recompute every leaf from the entry's columns and every recorded tree head's root.

    Reports the first entry whose columns no longer produce its stored leaf hash, the first
    missing index, or the first tree head whose root the stored leaves no longer produce.
    """
    heads = list(store.tree_heads(session))
    leaves: list[bytes] = []
    head_at = 0
    for row in store.ledger_entry_rows(session):
        if row.leaf_index != len(leaves):
            return _broken(len(leaves), len(leaves), "entry missing from the ledger")
        canonical = _canonical(row._mapping)
        recomputed = entry_leaf(canonical)
        # actor_id is the actor's id copied into a column for queries: it must agree too
        consistent = canonical == bytes(row.entry) and row.actor_id == row.actor.get("id")
        if recomputed != bytes(row.leaf_hash) or not consistent:
            return _broken(len(leaves), row.leaf_index, "entry does not match its leaf hash")
        leaves.append(recomputed)
        while head_at < len(heads) and heads[head_at].size == len(leaves):
            if tree_root(leaves) != bytes(heads[head_at].root):
                return _broken(
                    len(leaves),
                    None,
                    f"tree head of size {heads[head_at].size} does not match the leaves",
                )
            head_at += 1
    if head_at < len(heads):
        return _broken(
            len(leaves),
            len(leaves),
            f"entries missing: a tree head of size {heads[head_at].size} was recorded",
        )
    root = tree_root(leaves)
    return VerifyReport(ok=True, size=len(leaves), root=root.hex())


def _ledger_key(session: Session, settings: Settings) -> tuple[str, Any]:
    """The ledger's current signing key, made on first use (stored encrypted)."""
    passphrase = settings.signing_key_passphrase.get_secret_value().encode()
    found = store.current_ledger_key(session)
    if found is not None:
        return found.kid, decrypt_private_key(bytes(found.private_pem), passphrase)
    key, kid = generate_private_key(), f"ledger-{new_kid()}"
    store.add_ledger_key(session, kid, encrypt_private_key(key, passphrase), public_jwk(key, kid))
    return kid, key


def _signed_head(row: Any) -> SignedTreeHead:
    return SignedTreeHead(
        size=row.size,
        root=bytes(row.root).hex(),
        timestamp_ms=row.timestamp_ms,
        kid=row.kid,
        signature=bytes(row.signature).hex(),
        recorded_at=row.created_at,
    )


def record_tree_head(session: Session, settings: Settings, now_ms: int) -> SignedTreeHead | None:
    """Sign the ledger's current size and root, keep the head, and hand a copy with the
    consistency proof from the previous head to the witness outside the database. None when
    nothing was appended since the last head."""
    store.lock_ledger(session)
    previous = store.latest_tree_head(session)
    leaves = store.leaf_hashes(session, store.ledger_size(session))
    if not leaves or (previous is not None and previous.size == len(leaves)):
        return None
    kid, key = _ledger_key(session, settings)
    head = TreeHead(size=len(leaves), root=tree_root(leaves), timestamp_ms=now_ms)
    signature = sign_tree_head(key, head)
    store.add_tree_head(
        session,
        {
            "size": head.size,
            "root": head.root,
            "timestamp_ms": head.timestamp_ms,
            "kid": kid,
            "signature": signature,
        },
    )
    signed = _signed_head(store.tree_head(session, head.size))
    if settings.ledger_witness_path is not None:
        proof = consistency_proof(previous.size, leaves) if previous is not None else []
        witness_copy(
            settings.ledger_witness_path,
            {
                **signed.model_dump(mode="json"),
                "previous_size": previous.size if previous is not None else None,
                "consistency_proof": [p.hex() for p in proof],
            },
        )
    return signed


def tree_heads(session: Session, before_size: int | None, limit: int) -> TreeHeads:
    rows = store.signed_tree_heads(session, before_size, limit)
    return TreeHeads(
        heads=[_signed_head(r) for r in rows],
        next_cursor=str(rows[-1].size) if len(rows) == limit else None,
    )


def _signed_head_of_size(session: Session, size: int) -> Any:
    row = store.tree_head(session, size)
    if row is None or row.signature is None:
        raise NotFound(f"no signed tree head of size {size}")
    return row


def inclusion(session: Session, query: ProofQuery) -> InclusionProof:
    head = _signed_head_of_size(session, query.tree_size)
    if query.leaf_index >= query.tree_size:
        raise ValidationFailed("the leaf index must be below the tree size")
    leaves = store.leaf_hashes(session, query.tree_size)
    entry = store.ledger_entry_bytes(session, query.leaf_index)
    assert entry is not None
    return InclusionProof(
        leaf_index=query.leaf_index,
        tree_size=query.tree_size,
        entry=entry.hex(),
        leaf_hash=leaves[query.leaf_index].hex(),
        audit_path=[p.hex() for p in inclusion_proof(query.leaf_index, leaves)],
        tree_head=_signed_head(head),
    )


def consistency(session: Session, query: ConsistencyQuery) -> ConsistencyProof:
    if query.first > query.second:
        raise ValidationFailed("the first tree head must be no larger than the second")
    first = _signed_head_of_size(session, query.first)
    second = _signed_head_of_size(session, query.second)
    leaves = store.leaf_hashes(session, query.second)
    return ConsistencyProof(
        first=_signed_head(first),
        second=_signed_head(second),
        proof=[p.hex() for p in consistency_proof(query.first, leaves)],
    )


def keys(session: Session) -> LedgerKeys:
    return LedgerKeys(keys=[dict(r.public_jwk) for r in store.ledger_keys(session)])


# -- traces --------------------------------------------------------------------------------


def store_spans(session: Session, events: list[EventEnvelope]) -> int:
    spans = [s for e in events for s in SpansExported.model_validate(e.payload).spans]
    store.add_spans(session, [s.model_dump() for s in spans])
    return len(spans)


def trace_story(session: Session, trace_id: str) -> TraceStory:
    spans = [SpanRecord.model_validate(r._mapping) for r in store.spans_of_trace(session, trace_id)]
    audit = [_entry(r) for r in store.entries_of_trace(session, trace_id)]
    return TraceStory(trace_id=trace_id, spans=spans, audit=audit)
