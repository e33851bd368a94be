"""Persistence of device credentials, health (heartbeats, outages) and decommissioning.

The registry itself is the `devices` table of `store.py`; `active` there is what sighting
ingestion checks, so decommissioning clears it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Select,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from contracts.devices import DeviceStatus
from services.prevention.store import devices, metadata

_DEVICE_FK = "devices.device_id"

device_credentials = Table(
    "device_credentials",
    metadata,
    Column("device_id", String(64), ForeignKey(_DEVICE_FK, ondelete="CASCADE"), primary_key=True),
    Column("secret_hash", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", String(64), nullable=False),
)

device_health = Table(
    "device_health",
    metadata,
    Column("device_id", String(64), ForeignKey(_DEVICE_FK, ondelete="CASCADE"), primary_key=True),
    Column("watched_since", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True)),
    Column("offline_after", DateTime(timezone=True), nullable=False),
    Column("offline_since", DateTime(timezone=True)),
    Column("decommissioned_at", DateTime(timezone=True)),
    Column("decommissioned_by", String(64)),
    Column("decommission_reason", String(500)),
    Index(
        "device_health_silent",
        "offline_after",
        postgresql_where=text("offline_since IS NULL AND decommissioned_at IS NULL"),
    ),
)

device_outages = Table(
    "device_outages",
    metadata,
    Column("outage_id", BigInteger, Identity(), primary_key=True),
    Column("device_id", String(64), ForeignKey(_DEVICE_FK, ondelete="CASCADE"), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="outage_order"),
    Index("device_outages_by_device", "device_id", "started_at"),
    Index(
        "device_outages_open",
        "device_id",
        unique=True,
        postgresql_where=text("ended_at IS NULL"),
    ),
)


# -- the registry ------------------------------------------------------------------------------


def _device_view() -> Select[Any]:
    return select(
        devices,
        device_health.c.watched_since,
        device_health.c.last_seen_at,
        device_health.c.offline_since,
        device_health.c.decommissioned_at,
        device_credentials.c.issued_at.label("credential_issued_at"),
    ).select_from(
        devices.outerjoin(
            device_health, device_health.c.device_id == devices.c.device_id
        ).outerjoin(device_credentials, device_credentials.c.device_id == devices.c.device_id)
    )


def device(session: Session, device_id: str) -> Any:
    return session.execute(_device_view().where(devices.c.device_id == device_id)).first()


def lock_device(session: Session, device_id: str) -> Any:
    """The registry row, locked against concurrent changes and heartbeats of this device."""
    return session.execute(
        select(devices).where(devices.c.device_id == device_id).with_for_update()
    ).first()


def _status_condition(status: DeviceStatus) -> Any:
    active = devices.c.active.is_(True)
    offline = device_health.c.offline_since.is_not(None)
    heard = device_health.c.last_seen_at.is_not(None)
    return {
        DeviceStatus.DECOMMISSIONED: devices.c.active.is_(False),
        DeviceStatus.OFFLINE: and_(active, offline),
        DeviceStatus.ONLINE: and_(active, ~offline, heard),
        # a device the monitor has not picked up yet has no health row: pending too
        DeviceStatus.PENDING: and_(
            active,
            device_health.c.offline_since.is_(None),
            device_health.c.last_seen_at.is_(None),
        ),
    }[status]


def device_page(
    session: Session,
    status: DeviceStatus | None,
    kind: str | None,
    unit_id: str | None,
    after: str | None,
    limit: int,
) -> list[Any]:
    query = _device_view().order_by(devices.c.device_id).limit(limit)
    if status is not None:
        query = query.where(_status_condition(status))
    if kind is not None:
        query = query.where(devices.c.kind == kind)
    if unit_id is not None:
        query = query.where(devices.c.unit_id == unit_id)
    if after is not None:
        query = query.where(devices.c.device_id > after)
    return list(session.execute(query).all())


def update_device(session: Session, device_id: str, values: dict[str, Any]) -> None:
    session.execute(update(devices).where(devices.c.device_id == device_id).values(**values))


# -- credentials -------------------------------------------------------------------------------


def set_credential(
    session: Session, device_id: str, secret_hash: str, issued_at: datetime, issued_by: str
) -> None:
    values = {"secret_hash": secret_hash, "issued_at": issued_at, "issued_by": issued_by}
    session.execute(
        insert(device_credentials)
        .values(device_id=device_id, **values)
        .on_conflict_do_update(index_elements=[device_credentials.c.device_id], set_=values)
    )


def drop_credential(session: Session, device_id: str) -> None:
    session.execute(delete(device_credentials).where(device_credentials.c.device_id == device_id))


def active_credential(session: Session, device_id: str) -> Any:
    """The stored hash of an active device's credential, with who the device is."""
    return session.execute(
        select(
            device_credentials.c.secret_hash, devices.c.device_id, devices.c.kind, devices.c.unit_id
        )
        .join(devices, devices.c.device_id == device_credentials.c.device_id)
        .where(device_credentials.c.device_id == device_id, devices.c.active.is_(True))
    ).first()


# -- health ------------------------------------------------------------------------------------


def watch(session: Session, rows: list[dict[str, Any]]) -> None:
    """Start watching devices (a row each); a device watched already stays as it is."""
    if rows:
        session.execute(insert(device_health).on_conflict_do_nothing(), rows)


def health(session: Session, device_id: str) -> Any:
    """A device's health row, locked: heartbeats and the monitor change it one at a time."""
    return session.execute(
        select(device_health).where(device_health.c.device_id == device_id).with_for_update()
    ).first()


def update_health(session: Session, device_id: str, values: dict[str, Any]) -> None:
    session.execute(
        update(device_health).where(device_health.c.device_id == device_id).values(**values)
    )


def unwatched(session: Session, limit: int) -> list[Any]:
    """Active devices the monitor has not picked up yet (registered since its last pass)."""
    return list(
        session.execute(
            select(devices.c.device_id, devices.c.heartbeat_interval_s)
            .where(
                devices.c.active.is_(True),
                ~select(device_health.c.device_id)
                .where(device_health.c.device_id == devices.c.device_id)
                .exists(),
            )
            .order_by(devices.c.device_id)
            .limit(limit)
        ).all()
    )


def claim_silent(session: Session, now: datetime, limit: int) -> list[Any]:
    """Watched devices, online or pending, whose deadline has passed: locked, and skipped by
    another monitor pass running at the same time."""
    return list(
        session.execute(
            select(
                device_health,
                devices.c.kind,
                devices.c.unit_id,
                devices.c.heartbeat_interval_s,
            )
            .join(devices, devices.c.device_id == device_health.c.device_id)
            .where(
                device_health.c.offline_since.is_(None),
                device_health.c.decommissioned_at.is_(None),
                device_health.c.offline_after < now,
                devices.c.active.is_(True),
            )
            .order_by(device_health.c.offline_after)
            .limit(limit)
            .with_for_update(of=device_health, skip_locked=True)
        ).all()
    )


def open_outage(
    session: Session, device_id: str, started_at: datetime, detected_at: datetime
) -> None:
    session.execute(
        insert(device_outages).values(
            device_id=device_id, started_at=started_at, detected_at=detected_at
        )
    )


def close_outage(session: Session, device_id: str, ended_at: datetime) -> None:
    """End the device's open outage (if any) at `ended_at`, never before it began."""
    session.execute(
        update(device_outages)
        .where(device_outages.c.device_id == device_id, device_outages.c.ended_at.is_(None))
        .values(ended_at=func.greatest(ended_at, device_outages.c.started_at))
    )


def outages_since(
    session: Session, device_ids: list[str], since: datetime
) -> dict[str, list[tuple[datetime, datetime | None]]]:
    """Each device's outages that reach into the time after `since`, oldest first."""
    found: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    if not device_ids:
        return found
    rows = session.execute(
        select(device_outages.c.device_id, device_outages.c.started_at, device_outages.c.ended_at)
        .where(
            device_outages.c.device_id.in_(device_ids),
            (device_outages.c.ended_at.is_(None)) | (device_outages.c.ended_at > since),
        )
        .order_by(device_outages.c.device_id, device_outages.c.started_at)
    )
    for row in rows:
        found[row.device_id].append((row.started_at, row.ended_at))
    return found
