"""Persistence of the management service (its own schema)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import orjson
import psycopg2.extras
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Time,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from chassis.key_store import signing_keys_table

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
    Column("badge_number", String(16), unique=True),
    Column("rank", String(64)),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("disabled_reason", String(500)),
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

signing_keys = signing_keys_table(metadata)

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
    Column("timestamp_ms", BigInteger),
    Column("kid", String(64)),
    Column("signature", LargeBinary),
)

ledger_signing_keys = Table(
    "ledger_signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", LargeBinary, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("retired_at", DateTime(timezone=True)),
)

station_shifts = Table(
    "station_shifts",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("start", Time, nullable=False),
    Column("duration_hours", Float, nullable=False),
    Column("night", Boolean, nullable=False),
    Column("weekday_minimum", Integer, nullable=False),
    Column("weekend_minimum", Integer),
)

officer_leave = Table(
    "officer_leave",
    metadata,
    Column("leave_id", BigInteger, primary_key=True),
    Column("officer_id", String(64), nullable=False),
    Column("first", Date, nullable=False),
    Column("last", Date, nullable=False),
    Column("reason", String(200), nullable=False),
)

roster_assignments = Table(
    "roster_assignments",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("week_start", Date, nullable=False),
    Column("officer_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("shift", String(32), primary_key=True),
    Column("start", DateTime(timezone=True), nullable=False),
    Column("end", DateTime(timezone=True), nullable=False),
    Column("night", Boolean, nullable=False),
)

oversight_cases = Table(
    "oversight_cases",
    metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("officer_id", String(64), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    Column("score", Float, nullable=False),
    Column("signals", ARRAY(String(32)), nullable=False),
    Column("flag", JSONB, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

patrol_units = Table(
    "patrol_units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("station_id", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dispatch_tasks = Table(
    "dispatch_tasks",
    metadata,
    Column("task_id", UUID(as_uuid=True), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("summary", String(300), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("station_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("unit_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("assigned_at", DateTime(timezone=True)),
    Column("en_route_at", DateTime(timezone=True)),
    Column("on_scene_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)

incident_counts = Table(
    "incident_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("unit_path", String(400), primary_key=True),
    Column("incidents", Integer, nullable=False),
)

case_facts = Table(
    "case_facts",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("unit_path", String(400), nullable=False),
    Column("status", String(16), nullable=False),
    Column("solved_on", Date),
    Column("changed_at", DateTime(timezone=True), nullable=False),
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


def recorded_ids(session: Session, record_ids: list[Any]) -> set[Any]:
    """Which of these records the ledger holds already."""
    return set(
        session.execute(
            select(ledger_entries.c.record_id).where(ledger_entries.c.record_id.in_(record_ids))
        ).scalars()
    )


def ledger_size(session: Session) -> int:
    """Next leaf index: indexes are contiguous from 0 (appends hold the ledger lock)."""
    last = session.execute(select(func.max(ledger_entries.c.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


_ENTRY_COLUMNS = (
    "leaf_index",
    "record_id",
    "occurred_at",
    "producer",
    "trace_id",
    "actor_id",
    "actor",
    "operation",
    "outcome",
    "purpose",
    "case_id",
    "subject_digest",
    "details_digest",
    "http_status",
    "entry",
    "leaf_hash",
)


def _json(value: Any) -> psycopg2.extras.Json:
    return psycopg2.extras.Json(value, dumps=lambda v: orjson.dumps(v).decode())


def _cursor(session: Session) -> Any:
    """The session's own DB-API cursor, inside its transaction."""
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def add_ledger_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Straight through psycopg2's `execute_values`: the ledger's hot path, where SQLAlchemy's
    per-row parameter handling cost more than the database's insert."""
    psycopg2.extras.execute_values(
        _cursor(session),
        f"INSERT INTO ledger_entries ({', '.join(_ENTRY_COLUMNS)}) VALUES %s",
        [tuple(_json(row[c]) if c == "actor" else row[c] for c in _ENTRY_COLUMNS) for row in rows],
        page_size=500,
    )


def add_ledger_details(session: Session, details: dict[str, tuple[str | None, Any]]) -> None:
    if details:
        psycopg2.extras.execute_values(
            _cursor(session),
            "INSERT INTO ledger_details (digest, subject, details) VALUES %s "
            "ON CONFLICT (digest) DO NOTHING",
            [(d, s, None if x is None else _json(x)) for d, (s, x) in sorted(details.items())],
            page_size=500,
        )


def add_tree_head(session: Session, values: dict[str, Any]) -> bool:
    """Record a head; False if one of this size exists already."""
    added = session.execute(
        pg_insert(ledger_tree_heads)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(ledger_tree_heads.c.size)
    ).first()
    return added is not None


def latest_tree_head(session: Session) -> Any:
    return session.execute(
        select(ledger_tree_heads).order_by(ledger_tree_heads.c.size.desc()).limit(1)
    ).first()


def tree_head(session: Session, size: int) -> Any:
    return session.execute(
        select(ledger_tree_heads).where(ledger_tree_heads.c.size == size)
    ).first()


def signed_tree_heads(session: Session, before_size: int | None, limit: int) -> Sequence[Any]:
    query = select(ledger_tree_heads).where(ledger_tree_heads.c.signature.is_not(None))
    if before_size is not None:
        query = query.where(ledger_tree_heads.c.size < before_size)
    return session.execute(query.order_by(ledger_tree_heads.c.size.desc()).limit(limit)).all()


def leaf_hashes(session: Session, size: int) -> list[bytes]:
    """The first `size` leaf hashes, in index order."""
    rows = session.execute(
        select(ledger_entries.c.leaf_hash)
        .where(ledger_entries.c.leaf_index < size)
        .order_by(ledger_entries.c.leaf_index)
        .execution_options(yield_per=20_000)
    ).scalars()
    return [bytes(h) for h in rows]


def ledger_entry_bytes(session: Session, index: int) -> bytes | None:
    found = session.execute(
        select(ledger_entries.c.entry).where(ledger_entries.c.leaf_index == index)
    ).scalar()
    return None if found is None else bytes(found)


def current_ledger_key(session: Session) -> Any:
    return session.execute(
        select(ledger_signing_keys)
        .where(ledger_signing_keys.c.retired_at.is_(None))
        .order_by(ledger_signing_keys.c.created_at.desc())
        .limit(1)
    ).first()


def add_ledger_key(session: Session, kid: str, private_pem: bytes, jwk: dict[str, Any]) -> None:
    session.execute(
        insert(ledger_signing_keys).values(kid=kid, private_pem=private_pem, public_jwk=jwk)
    )


def ledger_keys(session: Session) -> Sequence[Any]:
    return session.execute(
        select(ledger_signing_keys).order_by(ledger_signing_keys.c.created_at)
    ).all()


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


def accesses_to(
    session: Session, digests: list[str], since: datetime, until: datetime, limit: int
) -> Sequence[Any]:
    """Entries about any of these subjects in the window, newest first, with the state of the
    case each was made under (if the case is known here)."""
    t = ledger_entries
    return session.execute(
        select(
            t.c.leaf_index,
            t.c.occurred_at,
            t.c.trace_id,
            t.c.actor_id,
            t.c.actor,
            t.c.operation,
            t.c.purpose,
            t.c.case_id,
            case_facts.c.status.label("case_status"),
        )
        .select_from(t.outerjoin(case_facts, case_facts.c.case_id == t.c.case_id))
        .where(t.c.subject_digest.in_(digests), t.c.occurred_at >= since, t.c.occurred_at < until)
        .order_by(t.c.leaf_index.desc())
        .limit(limit)
    ).all()


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


def update_officer(session: Session, officer_id: str, values: dict[str, Any]) -> bool:
    changed = session.execute(
        update(officers)
        .where(officers.c.id == officer_id)
        .values(**values)
        .returning(officers.c.id)
    ).first()
    return changed is not None


def replace_station_shifts(session: Session, station_id: str, rows: list[dict[str, Any]]) -> None:
    session.execute(delete(station_shifts).where(station_shifts.c.station_id == station_id))
    if rows:
        session.execute(insert(station_shifts).values(rows))


def station_shift_rows(session: Session, station_id: str) -> Sequence[Any]:
    return session.execute(
        select(station_shifts)
        .where(station_shifts.c.station_id == station_id)
        .order_by(station_shifts.c.start)
    ).all()


def add_leave(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(officer_leave).values(**values))


def leave_of(session: Session, officer_ids: list[str], first: date, last: date) -> Sequence[Any]:
    return session.execute(
        select(officer_leave).where(
            officer_leave.c.officer_id.in_(officer_ids),
            officer_leave.c.first <= last,
            officer_leave.c.last >= first,
        )
    ).all()


def station_officers(session: Session, station_id: str) -> Sequence[Any]:
    return session.execute(
        select(officers.c.id)
        .where(officers.c.unit_id == station_id, officers.c.active.is_(True))
        .order_by(officers.c.id)
    ).all()


def assignments_between(
    session: Session, station_id: str, first: date, last: date
) -> Sequence[Any]:
    return session.execute(
        select(roster_assignments)
        .where(
            roster_assignments.c.station_id == station_id,
            roster_assignments.c.day >= first,
            roster_assignments.c.day <= last,
        )
        .order_by(
            roster_assignments.c.day, roster_assignments.c.start, roster_assignments.c.officer_id
        )
    ).all()


def replace_week(
    session: Session, station_id: str, week_start: date, rows: list[dict[str, Any]]
) -> None:
    session.execute(
        delete(roster_assignments).where(
            roster_assignments.c.station_id == station_id,
            roster_assignments.c.week_start == week_start,
        )
    )
    if rows:
        session.execute(insert(roster_assignments).values(rows))


def served_reads(session: Session, since: datetime, until: datetime) -> Iterator[Any]:
    """Ledger entries of personal data a service served, in the window, oldest first."""
    result = session.execute(
        select(
            ledger_entries.c.actor,
            ledger_entries.c.operation,
            ledger_entries.c.purpose,
            ledger_entries.c.case_id,
            ledger_entries.c.subject_digest,
            ledger_entries.c.occurred_at,
        )
        .where(
            ledger_entries.c.outcome == "served",
            ledger_entries.c.occurred_at >= since,
            ledger_entries.c.occurred_at < until,
        )
        .order_by(ledger_entries.c.leaf_index)
        .execution_options(yield_per=5000)
    )
    yield from result


def unit_paths(session: Session) -> dict[str, str]:
    return {r.id: r.path for r in session.execute(select(units.c.id, units.c.path))}


def add_oversight_case(session: Session, values: dict[str, Any]) -> bool:
    added = session.execute(
        pg_insert(oversight_cases)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(oversight_cases.c.case_id)
    ).first()
    return added is not None


def list_oversight_cases(session: Session, after: datetime | None, limit: int) -> Sequence[Any]:
    query = select(oversight_cases)
    if after is not None:
        query = query.where(oversight_cases.c.created_at < after)
    return session.execute(query.order_by(oversight_cases.c.created_at.desc()).limit(limit)).all()


def add_patrol_unit(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(patrol_units).values(**values))


def patrol_unit(session: Session, unit_id: str, lock: bool = False) -> Any:
    query = select(patrol_units).where(patrol_units.c.unit_id == unit_id)
    return session.execute(query.with_for_update() if lock else query).first()


def update_patrol_unit(session: Session, unit_id: str, values: dict[str, Any]) -> None:
    session.execute(
        update(patrol_units)
        .where(patrol_units.c.unit_id == unit_id)
        .values(**values, updated_at=func.now())
    )


def available_units(session: Session) -> Sequence[Any]:
    return session.execute(select(patrol_units).where(patrol_units.c.status == "available")).all()


def add_task(session: Session, values: dict[str, Any]) -> Any:
    return session.execute(
        pg_insert(dispatch_tasks)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "source_id"])
        .returning(dispatch_tasks.c.task_id)
    ).first()


def task(session: Session, task_id: Any, lock: bool = False) -> Any:
    query = select(dispatch_tasks).where(dispatch_tasks.c.task_id == task_id)
    return session.execute(query.with_for_update() if lock else query).first()


def task_by_source(session: Session, source: str, source_id: str) -> Any:
    return session.execute(
        select(dispatch_tasks).where(
            dispatch_tasks.c.source == source, dispatch_tasks.c.source_id == source_id
        )
    ).first()


def update_task(session: Session, task_id: Any, values: dict[str, Any]) -> None:
    session.execute(
        update(dispatch_tasks).where(dispatch_tasks.c.task_id == task_id).values(**values)
    )


def arrivals(session: Session, since: datetime, until: datetime) -> Sequence[Any]:
    return session.execute(
        select(dispatch_tasks.c.created_at, dispatch_tasks.c.on_scene_at).where(
            dispatch_tasks.c.created_at >= since,
            dispatch_tasks.c.created_at < until,
            dispatch_tasks.c.on_scene_at.is_not(None),
        )
    ).all()


def add_incident_counts(session: Session, counts: dict[tuple[date, str], int]) -> None:
    if not counts:
        return
    statement = pg_insert(incident_counts).values(
        [{"day": d, "unit_path": u, "incidents": n} for (d, u), n in sorted(counts.items())]
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "unit_path"],
            set_={"incidents": incident_counts.c.incidents + statement.excluded.incidents},
        )
    )


def keep_case_fact(session: Session, values: dict[str, Any]) -> None:
    """The latest state wins; the day a case was first solved stays."""
    statement = pg_insert(case_facts).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["case_id"],
            set_={
                "unit_path": statement.excluded.unit_path,
                "status": statement.excluded.status,
                "changed_at": statement.excluded.changed_at,
                "solved_on": func.coalesce(case_facts.c.solved_on, statement.excluded.solved_on),
            },
            where=case_facts.c.changed_at < statement.excluded.changed_at,
        )
    )


def _under(column: Any, unit_path: str) -> Any:
    return (column == unit_path) | column.startswith(unit_path + "/", autoescape=True)


def incidents_between(session: Session, unit_path: str, first: date, end: date) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(incident_counts.c.incidents), 0)).where(
                incident_counts.c.day >= first,
                incident_counts.c.day < end,
                _under(incident_counts.c.unit_path, unit_path),
            )
        ).scalar_one()
    )


def solved_between(session: Session, unit_path: str, first: date, end: date) -> int:
    return int(
        session.execute(
            select(func.count()).where(
                case_facts.c.solved_on >= first,
                case_facts.c.solved_on < end,
                _under(case_facts.c.unit_path, unit_path),
            )
        ).scalar_one()
    )


def child_units(session: Session, unit_path: str) -> list[Any]:
    """The units directly under this one (its path plus one segment)."""
    depth = unit_path.count("/") + 1
    rows = session.execute(
        select(units.c.id, units.c.path)
        .where(units.c.path.startswith(unit_path + "/", autoescape=True))
        .order_by(units.c.path)
    ).all()
    return [r for r in rows if r.path.count("/") == depth]


def tasks(
    session: Session, status: str | None, before: datetime | None, limit: int
) -> Sequence[Any]:
    query = select(dispatch_tasks)
    if status is not None:
        query = query.where(dispatch_tasks.c.status == status)
    if before is not None:
        query = query.where(dispatch_tasks.c.created_at < before)
    return session.execute(query.order_by(dispatch_tasks.c.created_at.desc()).limit(limit)).all()
