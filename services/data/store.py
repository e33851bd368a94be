"""Persistence of the police-cloud data service (its own schema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.orm import Session

metadata = MetaData()

sightings = Table(
    "sightings",
    metadata,
    Column("sighting_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("batch_id", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def add_sightings(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the rows; a sighting stored before (same id) is skipped. Returns rows inserted."""
    if not rows:
        return 0
    inserted = session.execute(
        insert(sightings).values(rows).on_conflict_do_nothing().returning(sightings.c.sighting_id)
    ).all()
    return len(inserted)
