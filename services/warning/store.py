"""Persistence of the warning service (its own schema)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.orm import Session

metadata = MetaData()

hotlist_entries = Table(
    "hotlist_entries",
    metadata,
    Column("entry_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("case_id", String(64)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", UUID(as_uuid=True), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("entry_id", UUID(as_uuid=True), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("sighting_id", UUID(as_uuid=True), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def add_entry(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    row = (
        session.execute(insert(hotlist_entries).values(**values).returning(*hotlist_entries.c))
        .mappings()
        .one()
    )
    return dict(row)


def entries_for_plates(session: Session, plates: set[str]) -> Sequence[Any]:
    return session.execute(select(hotlist_entries).where(hotlist_entries.c.plate.in_(plates))).all()


def add_alerts(session: Session, rows: list[dict[str, Any]]) -> set[Any]:
    """Insert alerts not raised before; returns the ids of the new ones."""
    if not rows:
        return set()
    new = session.execute(
        insert(alerts).values(rows).on_conflict_do_nothing().returning(alerts.c.alert_id)
    ).scalars()
    return set(new)


def alerts_in_scope(
    session: Session, scope: str, status: str | None, after: Any, limit: int
) -> list[dict[str, Any]]:
    query = select(alerts).where(
        or_(
            alerts.c.unit_path == scope, alerts.c.unit_path.startswith(scope + "/", autoescape=True)
        )
    )
    if status is not None:
        query = query.where(alerts.c.status == status)
    if after is not None:
        query = query.where(tuple_(alerts.c.raised_at, alerts.c.alert_id) < tuple_(*after))
    rows = session.execute(
        query.order_by(alerts.c.raised_at.desc(), alerts.c.alert_id.desc()).limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
