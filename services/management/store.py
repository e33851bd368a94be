"""Persistence of the management service (its own schema)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

metadata = MetaData()

units = Table(
    "units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_id", String(64), ForeignKey("units.id")),
    Column("path", String(400), nullable=False, unique=True),
)

officers = Table(
    "officers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("unit_id", String(64), ForeignKey("units.id"), nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("tokens_valid_after", DateTime(timezone=True)),
)

service_accounts = Table(
    "service_accounts",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("pillar", String(32), nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", LargeBinary, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("retired_at", DateTime(timezone=True)),
)

revoked_tokens = Table(
    "revoked_tokens",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_by", String(64)),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),
    Column("record_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("producer", String(64), nullable=False),
    Column("trace_id", String(32)),
    Column("actor_id", String(64), nullable=False),
    Column("actor", JSONB, nullable=False),
    Column("operation", String(200), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("purpose", String(64)),
    Column("case_id", String(64)),
    Column("subject_digest", String(64)),
    Column("details_digest", String(64)),
    Column("http_status", Integer),
    Column("entry", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)

ledger_details = Table(
    "ledger_details",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("subject", String(500)),
    Column("details", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ledger_tree_heads = Table(
    "ledger_tree_heads",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("root", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

spans = Table(
    "spans",
    metadata,
    Column("trace_id", String(32), primary_key=True),
    Column("span_id", String(16), primary_key=True),
    Column("parent_span_id", String(16)),
    Column("service", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attributes", JSONB, nullable=False),
)

LEDGER_LOCK = 6962  # advisory lock serialising appends: leaf indexes stay contiguous


# -- units and officers --------------------------------------------------------------------


def unit(session: Session, unit_id: str) -> Any:
    return session.execute(select(units).where(units.c.id == unit_id)).first()


def add_unit(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(units).values(**values))


def add_officer(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(officers).values(**values))


def _officer_select() -> Any:
    return select(officers, units.c.path.label("unit_path")).join(
        units, units.c.id == officers.c.unit_id
    )


def officer_by_id(session: Session, officer_id: str) -> Any:
    return session.execute(_officer_select().where(officers.c.id == officer_id)).first()


def officer_by_username(session: Session, username: str) -> Any:
    return session.execute(_officer_select().where(officers.c.username == username)).first()


def officers_in_scope(
    session: Session, scope: str, after_id: str | None, limit: int
) -> Sequence[Any]:
    query = _officer_select().where(
        (units.c.path == scope) | units.c.path.startswith(scope + "/", autoescape=True)
    )
    if after_id is not None:
        query = query.where(officers.c.id > after_id)
    return session.execute(query.order_by(officers.c.id).limit(limit)).all()


def add_service_account(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(service_accounts).values(**values))


def service_account(session: Session, client_id: str) -> Any:
    return session.execute(
        select(service_accounts).where(service_accounts.c.client_id == client_id)
    ).first()


# -- signing keys and revocation -----------------------------------------------------------


def lock_signing_keys(session: Session) -> None:
    session.execute(text("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE"))


def active_signing_key(session: Session) -> Any:
    return session.execute(
        select(signing_keys)
        .where(signing_keys.c.retired_at.is_(None))
        .order_by(signing_keys.c.created_at.desc())
        .limit(1)
    ).first()


def add_signing_key(session: Session, kid: str, private_pem: bytes, jwk: dict[str, Any]) -> None:
    session.execute(
        update(signing_keys)
        .where(signing_keys.c.retired_at.is_(None))
        .values(retired_at=func.now())
    )
    session.execute(insert(signing_keys).values(kid=kid, private_pem=private_pem, public_jwk=jwk))


def published_keys(session: Session, retired_since: datetime) -> list[dict[str, Any]]:
    """Active keys and keys retired recently enough that tokens they signed may still live."""
    rows = session.execute(
        select(signing_keys.c.public_jwk)
        .where(signing_keys.c.retired_at.is_(None) | (signing_keys.c.retired_at > retired_since))
        .order_by(signing_keys.c.created_at.desc())
    ).scalars()
    return list(rows)


def revoke_jti(session: Session, jti: str, expires_at: datetime, revoked_by: str | None) -> None:
    session.execute(
        pg_insert(revoked_tokens)
        .values(jti=jti, expires_at=expires_at, revoked_by=revoked_by)
        .on_conflict_do_nothing()
    )


def revoke_officer_tokens(session: Session, officer_id: str, not_before: datetime) -> bool:
    updated = session.execute(
        update(officers)
        .where(officers.c.id == officer_id)
        .values(tokens_valid_after=not_before)
        .returning(officers.c.id)
    ).first()
    return updated is not None


def live_revocations(session: Session, now: datetime) -> tuple[Sequence[Any], Sequence[Any]]:
    tokens = session.execute(
        select(revoked_tokens.c.jti, revoked_tokens.c.expires_at).where(
            revoked_tokens.c.expires_at > now
        )
    ).all()
    officer_rows = session.execute(
        select(officers.c.id, officers.c.tokens_valid_after).where(
            officers.c.tokens_valid_after.is_not(None)
        )
    ).all()
    return tokens, officer_rows


# -- ledger --------------------------------------------------------------------------------


def lock_ledger(session: Session) -> None:
    session.execute(select(func.pg_advisory_xact_lock(LEDGER_LOCK)))


def ledger_size(session: Session) -> int:
    """Next leaf index: indexes are contiguous from 0 (appends hold the ledger lock)."""
    last = session.execute(select(func.max(ledger_entries.c.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


def add_ledger_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(ledger_entries), rows)


def add_ledger_details(session: Session, details: dict[str, tuple[str | None, Any]]) -> None:
    if details:
        session.execute(
            pg_insert(ledger_details)
            .values(
                [{"digest": d, "subject": s, "details": x} for d, (s, x) in sorted(details.items())]
            )
            .on_conflict_do_nothing()
        )


def add_tree_head(session: Session, size: int, root: bytes) -> None:
    session.execute(
        pg_insert(ledger_tree_heads).values(size=size, root=root).on_conflict_do_nothing()
    )


def tree_heads(session: Session) -> Sequence[Any]:
    return session.execute(select(ledger_tree_heads).order_by(ledger_tree_heads.c.size)).all()


def ledger_rows(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Every entry in index order, streamed."""
    result = session.execute(
        select(ledger_entries.c.leaf_index, ledger_entries.c.entry, ledger_entries.c.leaf_hash)
        .order_by(ledger_entries.c.leaf_index)
        .execution_options(yield_per=batch)
    )
    yield from result


def ledger_entry_rows(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Every entry with all its columns, in index order, streamed."""
    result = session.execute(
        select(ledger_entries)
        .order_by(ledger_entries.c.leaf_index)
        .execution_options(yield_per=batch)
    )
    yield from result


def _entries_with_subjects() -> Any:
    return select(ledger_entries, ledger_details.c.subject, ledger_details.c.details).outerjoin(
        ledger_details, ledger_details.c.digest == ledger_entries.c.details_digest
    )


def query_ledger(
    session: Session, filters: list[Any], after_index: int | None, limit: int
) -> Sequence[Any]:
    query = _entries_with_subjects().where(*filters)
    if after_index is not None:
        query = query.where(ledger_entries.c.leaf_index > after_index)
    return session.execute(query.order_by(ledger_entries.c.leaf_index).limit(limit)).all()


def entries_of_trace(session: Session, trace_id: str) -> Sequence[Any]:
    return session.execute(
        _entries_with_subjects()
        .where(ledger_entries.c.trace_id == trace_id)
        .order_by(ledger_entries.c.leaf_index)
    ).all()


# -- spans ---------------------------------------------------------------------------------


def add_spans(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(pg_insert(spans).values(rows).on_conflict_do_nothing())


def spans_of_trace(session: Session, trace_id: str) -> Sequence[Any]:
    return session.execute(
        select(spans).where(spans.c.trace_id == trace_id).order_by(spans.c.start_time)
    ).all()
