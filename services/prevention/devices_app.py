"""Device use cases: look up, change and decommission devices; issue and check credentials;
take heartbeats; notice silent devices and announce their outages; uptime.

Every function that depends on the time takes it as `now`: the monitor's timer passes the real
time, tests pass the times they need.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from chassis.secrets import Passwords
from contracts.actor import Actor, ActorKind
from contracts.devices import (
    DEVICE_OFFLINE,
    DEVICE_ONLINE,
    AuthenticatedDevice,
    DecommissionRequest,
    Device,
    DeviceCredential,
    DeviceDirection,
    DeviceKind,
    DeviceOffline,
    DeviceOnline,
    DeviceProtocol,
    DeviceQuery,
    DeviceStatus,
    DeviceUpdate,
    HeartbeatAck,
)
from contracts.errors import Conflict, Forbidden, NotFound, Unauthenticated
from contracts.values import GeoPoint, Page
from services.prevention import devices_store as store
from services.prevention.domain import devices as rules

RULES = rules.HealthRules()
#: who may change and retire devices (as may register them), and who may issue credentials
MANAGING_ROLES = frozenset({"admin", "supervisor"})
CREDENTIAL_ROLES = frozenset({"admin"})
#: one answer for every refused credential: a caller learns nothing about which part was wrong
INVALID_CREDENTIAL = "invalid or retired device credential"
NO_DEVICE = "no such device"


class EventStager(Protocol):
    def stage(self, session: Session, event_type: str, payload: BaseModel) -> Any: ...


def check_roles(actor: Actor, roles: frozenset[str], what: str) -> None:
    """The gateway's matrix decides first; this keeps a stray internal caller out as well (the
    platform itself, with no actor named, is trusted)."""
    if actor.kind is ActorKind.SYSTEM:
        return
    if actor.kind in (ActorKind.OFFICER, ActorKind.SERVICE_ACCOUNT) and roles & set(actor.roles):
        return
    raise Forbidden(f"only {' or '.join(sorted(roles))} may {what}")


def device_of(actor: Actor) -> str:
    """The id of the device speaking for itself."""
    if actor.kind is not ActorKind.DEVICE:
        raise Forbidden("only a device reports its own heartbeat")
    return actor.id


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


# -- the registry ------------------------------------------------------------------------------


def _device(row: Any, outages: list[tuple[datetime, datetime | None]], now: datetime) -> Device:
    def over(window: str) -> Any:
        return rules.uptime(
            rules.UPTIME_WINDOWS[window],
            now,
            row.watched_since,
            row.decommissioned_at,
            outages,
        )

    return Device(
        device_id=row.device_id,
        kind=DeviceKind(row.kind),
        name=row.name,
        unit_id=row.unit_id,
        location=GeoPoint(lat=row.lat, lon=row.lon),
        vendor=row.vendor,
        protocol=DeviceProtocol(row.protocol) if row.protocol else None,
        direction=DeviceDirection(row.direction) if row.direction else None,
        heartbeat_interval_s=row.heartbeat_interval_s,
        status=rules.status_of(row.active, row.offline_since, row.last_seen_at),
        last_seen_at=_utc(row.last_seen_at),
        offline_since=_utc(row.offline_since),
        watched_since=_utc(row.watched_since),
        decommissioned_at=_utc(row.decommissioned_at),
        credential_issued_at=_utc(row.credential_issued_at),
        uptime_24h=over("24h"),
        uptime_7d=over("7d"),
    )


def _longest_window_start(now: datetime) -> datetime:
    return now - max(rules.UPTIME_WINDOWS.values())


def get_device(session: Session, device_id: str, now: datetime) -> Device:
    row = store.device(session, device_id)
    if row is None:
        raise NotFound(NO_DEVICE)
    outages = store.outages_since(session, [device_id], _longest_window_start(now))
    return _device(row, outages.get(device_id, []), now)


def list_devices(session: Session, query: DeviceQuery, now: datetime) -> Page[Device]:
    rows = store.device_page(
        session, query.status, query.kind, query.unit_id, query.cursor, query.limit
    )
    outages = store.outages_since(session, [r.device_id for r in rows], _longest_window_start(now))
    return Page[Device](
        items=[_device(r, outages.get(r.device_id, []), now) for r in rows],
        next_cursor=rows[-1].device_id if len(rows) == query.limit else None,
    )


def _locked_active(session: Session, device_id: str, refusal: str) -> Any:
    device = store.lock_device(session, device_id)
    if device is None:
        raise NotFound(NO_DEVICE)
    if not device.active:
        raise Conflict(refusal)
    return device


def update_device(
    session: Session, actor: Actor, device_id: str, change: DeviceUpdate, now: datetime
) -> Device:
    check_roles(actor, MANAGING_ROLES, "change devices")
    _locked_active(session, device_id, "a decommissioned device does not change")
    values = change.changes()
    location = values.pop("location", None)
    if location is not None:
        values |= {"lat": location.lat, "lon": location.lon}
    store.update_device(session, device_id, values)
    interval = change.heartbeat_interval_s
    if interval is not None:
        health = store.health(session, device_id)
        if health is not None and health.offline_since is None:
            last_heard = health.last_seen_at or health.watched_since
            deadline = rules.offline_after(last_heard, interval, RULES)
            store.update_health(session, device_id, {"offline_after": deadline})
    return get_device(session, device_id, now)


def decommission(
    session: Session, actor: Actor, device_id: str, request: DecommissionRequest, now: datetime
) -> Device:
    """Retire a device for good: its credential goes, its sightings and heartbeats are refused,
    and an outage it was in ends here. Decommissioning it again changes nothing."""
    check_roles(actor, MANAGING_ROLES, "decommission devices")
    device = store.lock_device(session, device_id)
    if device is None:
        raise NotFound(NO_DEVICE)
    if device.active:
        store.update_device(session, device_id, {"active": False})
        store.drop_credential(session, device_id)
        store.watch(session, [{"device_id": device_id, "watched_since": now, "offline_after": now}])
        store.health(session, device_id)
        store.close_outage(session, device_id, now)
        store.update_health(
            session,
            device_id,
            {
                "offline_since": None,
                "decommissioned_at": now,
                "decommissioned_by": actor.id,
                "decommission_reason": request.reason,
            },
        )
    return get_device(session, device_id, now)


# -- credentials -------------------------------------------------------------------------------


def rotate_credential(
    session: Session, actor: Actor, device_id: str, passwords: Passwords, now: datetime
) -> DeviceCredential:
    """A new credential for the device, shown this once; the old one stops working when this
    commits. Only the secret's argon2id hash is kept."""
    check_roles(actor, CREDENTIAL_ROLES, "issue device credentials")
    _locked_active(session, device_id, "a decommissioned device gets no credential")
    secret = rules.new_secret()
    store.set_credential(session, device_id, passwords.hash_off_hub(secret), now, actor.id)
    return DeviceCredential(
        device_id=device_id, credential=rules.credential_of(device_id, secret), issued_at=now
    )


def stored_credential(session: Session, credential: object) -> tuple[str, Any]:
    """The presented secret and the stored credential of the active device it names (None
    when it names none, or is not a credential at all)."""
    parts = rules.split_credential(credential)
    if parts is None:
        return "", None
    device_id, secret = parts
    return secret, store.active_credential(session, device_id)


def verified(stored: Any, secret: str, passwords: Passwords) -> AuthenticatedDevice:
    """Who the credential belongs to, or Unauthenticated. Every refusal costs one argon2
    check, so an unknown device answers as slowly as a wrong secret."""
    matches = passwords.verify_off_hub(stored.secret_hash if stored else None, secret)
    if not matches or stored is None:
        raise Unauthenticated(INVALID_CREDENTIAL)
    return AuthenticatedDevice(
        device_id=stored.device_id, kind=DeviceKind(stored.kind), unit_id=stored.unit_id
    )


# -- heartbeats and outages --------------------------------------------------------------------


def record_heartbeat(
    session: Session, events: EventStager, device_id: str, now: datetime
) -> HeartbeatAck:
    """The device is alive at `now`: it is online, and an outage it was in ends here (announced
    with `prevention.device.online.v1`)."""
    device = store.device(session, device_id)
    if device is None or not device.active:
        raise Unauthenticated(INVALID_CREDENTIAL)
    first = rules.offline_after(now, device.heartbeat_interval_s, RULES)
    store.watch(session, [{"device_id": device_id, "watched_since": now, "offline_after": first}])
    health = store.health(session, device_id)
    # read again under the health lock: a change or decommissioning may have just committed
    device = store.device(session, device_id)
    if device is None or not device.active or health is None or health.decommissioned_at:
        raise Unauthenticated(INVALID_CREDENTIAL)
    if health.offline_since is not None:
        store.close_outage(session, device_id, now)
        events.stage(
            session,
            DEVICE_ONLINE,
            DeviceOnline(
                device_id=device_id,
                kind=DeviceKind(device.kind),
                unit_id=device.unit_id,
                offline_since=health.offline_since,
                online_at=now,
                outage_s=max(0, int((now - health.offline_since).total_seconds())),
            ),
        )
    store.update_health(
        session,
        device_id,
        {
            "last_seen_at": now,
            "offline_since": None,
            "offline_after": rules.offline_after(now, device.heartbeat_interval_s, RULES),
        },
    )
    return HeartbeatAck(
        device_id=device_id,
        received_at=now,
        heartbeat_interval_s=device.heartbeat_interval_s,
        status=DeviceStatus.ONLINE,
    )


def watch_new_devices(session: Session, now: datetime, limit: int) -> int:
    """Start watching devices registered since the last pass: silence counts from now."""
    rows = store.unwatched(session, limit)
    store.watch(
        session,
        [
            {
                "device_id": r.device_id,
                "watched_since": now,
                "offline_after": rules.offline_after(now, r.heartbeat_interval_s, RULES),
            }
            for r in rows
        ],
    )
    return len(rows)


def detect_offline(session: Session, events: EventStager, now: datetime, limit: int) -> int:
    """Mark devices silent past their interval (with grace) offline as of their first missed
    heartbeat, and announce each outage once (`prevention.device.offline.v1`). Returns how many
    devices were looked at: fewer than `limit` means none is left."""
    rows = store.claim_silent(session, now, limit)
    for row in rows:
        last_heard = row.last_seen_at or row.watched_since
        interval = row.heartbeat_interval_s
        if not rules.is_offline(last_heard, interval, now, RULES):
            # its interval grew since the deadline was set
            deadline = rules.offline_after(last_heard, interval, RULES)
            store.update_health(session, row.device_id, {"offline_after": deadline})
            continue
        started = rules.outage_start(last_heard, interval)
        store.update_health(session, row.device_id, {"offline_since": started})
        store.open_outage(session, row.device_id, started, now)
        events.stage(
            session,
            DEVICE_OFFLINE,
            DeviceOffline(
                device_id=row.device_id,
                kind=DeviceKind(row.kind),
                unit_id=row.unit_id,
                last_seen_at=row.last_seen_at,
                offline_since=started,
                detected_at=now,
                heartbeat_interval_s=interval,
            ),
        )
    return len(rows)
