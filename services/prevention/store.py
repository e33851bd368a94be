"""Persistence of the prevention service (its own schema)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Float, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from contracts.values import GeoPoint
from services.prevention.domain.sightings import DeviceFacts

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
    Column("vendor", String(64)),
    Column("protocol", String(16)),
    Column("direction", String(16)),
    Column("heartbeat_interval_s", Integer, nullable=False, server_default="60"),
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


def device_facts(session: Session, device_ids: set[str]) -> dict[str, DeviceFacts]:
    """Whether each registered device among these may still report, and where it stands."""
    rows = session.execute(
        select(devices.c.device_id, devices.c.active, devices.c.lat, devices.c.lon).where(
            devices.c.device_id.in_(device_ids)
        )
    ).all()
    return {
        r.device_id: DeviceFacts(
            active=bool(r.active), location=GeoPoint.model_construct(lat=r.lat, lon=r.lon)
        )
        for r in rows
    }


def list_devices(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(devices).order_by(devices.c.device_id)).mappings()
    return [dict(r) for r in rows]
