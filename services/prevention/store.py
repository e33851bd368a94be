"""Persistence of the prevention service (its own schema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Float, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

metadata = MetaData()

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
)


def add_device(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(devices).values(**values))


def active_device_ids(session: Session, device_ids: set[str]) -> set[str]:
    rows = session.execute(
        select(devices.c.device_id).where(
            devices.c.device_id.in_(device_ids), devices.c.active.is_(True)
        )
    ).scalars()
    return set(rows)


def list_devices(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(devices).order_by(devices.c.device_id)).mappings()
    return [dict(r) for r in rows]
