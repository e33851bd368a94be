"""Persistence of the police-cloud data service (its own schema)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as time_of_day
from typing import Any
from zoneinfo import ZoneInfo

import psycopg2.errors
from sqlalchemy import (
    REAL,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    MetaData,
    SmallInteger,
    String,
    Table,
    func,
    intersect,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.orm import Session

from chassis.green import driver_blocking
from services.data.domain.sightings import SightingRow, as_records, copy_text, days_of

metadata = MetaData()

#: partitioned by day of `seen_at` (UTC); see migration data_0003
sightings = Table(
    "sightings",
    metadata,
    Column("sighting_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), primary_key=True),
    Column("lat", Float),
    Column("lon", Float),
    Column("cell", BigInteger),
    Column("direction", SmallInteger),
    Column("speed_kmh", REAL),
    Column("confidence", REAL),
    Column("image_ref", String(200)),
    Column("batch_id", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
COPY_COLUMNS = ("sighting_id", "plate", "device_id", "seen_at", "lat", "lon", "cell", "batch_id")

authorisations = Table(
    "authorisations",
    metadata,
    Column("authorisation_id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sweep_authorisations = Table(
    "sweep_authorisations",
    metadata,
    Column("authorisation_id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("devices", ARRAY(String(64)), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("targets", ARRAY(String(16)), nullable=False),
    Column("area", JSONB),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sensitive_places = Table(
    "sensitive_places",
    metadata,
    Column("place_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("radius_m", Float, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", UUID(as_uuid=True), primary_key=True),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("cell", BigInteger, nullable=False),
    Column("category", String(32), nullable=False),
    Column("method", String(32)),
    Column("status", String(16), nullable=False),
    Column("district", String(64), nullable=False),
    Column("station", String(64), nullable=False),
    Column("unit_path", String(400), nullable=False),
)

incident_daily = Table(
    "incident_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("district", String(64), nullable=False),
    Column("station", String(64), nullable=False),
    Column("category", String(32), primary_key=True),
    Column("method", String(32), primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("unit_path", String(400), primary_key=True),
    Column("incidents", BigInteger, nullable=False),
)
#: time dimensions a daily count can answer (hours need the incidents themselves)
DAILY_DIMENSIONS = frozenset(
    {"district", "station", "category", "method", "status", "weekday", "day", "week", "month"}
)

persons = Table(
    "persons",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("national_id_hash", String(64), nullable=False, unique=True),
    Column("national_id_masked", String(18), nullable=False),
    Column("phone", String(20)),
    Column("address", String(300)),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("plate", String(16), primary_key=True),
    Column("vehicle_type", String(32), nullable=False),
    Column("colour", String(32)),
    Column("brand", String(64)),
    Column("vin", String(17)),
    Column("owner_person_id", String(64)),
)

vehicle_alerts = Table(
    "vehicle_alerts",
    metadata,
    Column("alert_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
)

vehicle_fines = Table(
    "vehicle_fines",
    metadata,
    Column("fine_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("violation", String(200), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

vehicle_hotlist_entries = Table(
    "vehicle_hotlist_entries",
    metadata,
    Column("entry_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("case_id", String(64)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("state", String(16), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

case_vehicles = Table(
    "case_vehicles",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("plate", String(16), primary_key=True),
)

places = Table(
    "places",
    metadata,
    Column("place_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("cell", BigInteger, nullable=False),
    Column("address", String(300)),
    Column("district", String(64), nullable=False),
    Column("phone", String(20)),
)

#: days whose partition this process has seen exist (retention clears it when it drops one)
_known_partitions: set[date] = set()


def forget_partitions() -> None:
    _known_partitions.clear()


def ensure_partitions(session: Session, days: Iterable[date]) -> None:
    for day in sorted(set(days) - _known_partitions):
        name = f"sightings_p{day:%Y%m%d}"
        if session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is None:
            session.execute(text("SELECT ensure_sightings_partition(:d)"), {"d": day})
        _known_partitions.add(day)


def add_sightings(session: Session, rows: list[SightingRow], lock_timeout_ms: int) -> int:
    """Store the rows, each sighting once. Returns rows inserted.

    The fast path is one COPY. If a sighting is already stored (the same sighting reached us in
    another batch), the COPY fails as a whole inside a savepoint, and the rows go again through
    INSERT … ON CONFLICT DO NOTHING, which skips the ones stored before.
    """
    if not rows:
        return 0
    ensure_partitions(session, days_of(rows))
    # the COPY below holds the whole process: it must never wait on a lock for ever
    session.execute(
        text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{lock_timeout_ms}ms"}
    )
    try:
        with session.begin_nested():
            dbapi = session.connection().connection.dbapi_connection
            cursor = dbapi.cursor()  # type: ignore[union-attr]
            with driver_blocking():
                cursor.copy_expert(
                    f"COPY sightings ({', '.join(COPY_COLUMNS)}) FROM STDIN",
                    io.StringIO(copy_text(rows)),
                )
            return len(rows)
    except psycopg2.errors.UniqueViolation:
        pass
    except psycopg2.errors.CheckViolation:
        forget_partitions()  # a partition went away under us (retention): the retry makes it
        raise
    inserted = session.execute(
        insert(sightings)
        .values(as_records(rows))
        .on_conflict_do_nothing()
        .returning(sightings.c.sighting_id)
    ).all()
    return len(inserted)


def trajectory(
    session: Session,
    plate: str,
    since: datetime,
    until: datetime,
    after: tuple[datetime, Any] | None,
    limit: int,
) -> list[Any]:
    """A plate's sightings in [since, until), oldest first, after a keyset cursor."""
    query = select(
        sightings.c.sighting_id,
        sightings.c.device_id,
        sightings.c.seen_at,
        sightings.c.lat,
        sightings.c.lon,
    ).where(sightings.c.plate == plate, sightings.c.seen_at >= since, sightings.c.seen_at < until)
    if after is not None:
        query = query.where(tuple_(sightings.c.seen_at, sightings.c.sighting_id) > tuple_(*after))
    return list(
        session.execute(
            query.order_by(sightings.c.seen_at, sightings.c.sighting_id).limit(limit)
        ).all()
    )


def add_authorisation(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    row = (
        session.execute(insert(authorisations).values(**values).returning(*authorisations.c))
        .mappings()
        .one()
    )
    return dict(row)


def authorisation(session: Session, authorisation_id: Any) -> Any:
    return session.execute(
        select(authorisations).where(authorisations.c.authorisation_id == authorisation_id)
    ).first()


def plate_summary(
    session: Session, plate: str, since: datetime, until: datetime, time_zone: str, per_hour: int
) -> tuple[Any, list[Any]]:
    """(first seen, last seen, count) and the top places per local hour of day."""
    in_window = (
        sightings.c.plate == plate,
        sightings.c.seen_at >= since,
        sightings.c.seen_at < until,
    )
    totals = session.execute(
        select(func.min(sightings.c.seen_at), func.max(sightings.c.seen_at), func.count()).where(
            *in_window
        )
    ).one()
    hour = func.extract("hour", func.timezone(time_zone, sightings.c.seen_at)).label("hour")
    counted = (
        select(
            hour,
            sightings.c.device_id,
            func.count().label("n"),
            func.row_number()
            .over(partition_by=hour, order_by=(func.count().desc(), sightings.c.device_id))
            .label("rank"),
        )
        .where(*in_window)
        .group_by(hour, sightings.c.device_id)
        .subquery()
    )
    places = session.execute(
        select(counted.c.hour, counted.c.device_id, counted.c.n)
        .where(counted.c.rank <= per_hour)
        .order_by(counted.c.hour, counted.c.rank)
    ).all()
    return totals, list(places)


def add_sweep_authorisation(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    row = (
        session.execute(
            insert(sweep_authorisations).values(**values).returning(*sweep_authorisations.c)
        )
        .mappings()
        .one()
    )
    return dict(row)


def sweep_authorisation(session: Session, authorisation_id: Any) -> Any:
    return session.execute(
        select(sweep_authorisations).where(
            sweep_authorisations.c.authorisation_id == authorisation_id
        )
    ).first()


def collision(session: Session, conditions: list[tuple[str, datetime, datetime]]) -> list[str]:
    """Plates seen at every (device, since, until) condition."""
    passes = [
        select(sightings.c.plate).where(
            sightings.c.device_id == device,
            sightings.c.seen_at >= since,
            sightings.c.seen_at < until,
        )
        for device, since, until in conditions
    ]
    return list(session.execute(intersect(*passes)).scalars())


def add_sensitive_place(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(sensitive_places).values(**values))


def register_of_sensitive_places(session: Session) -> list[Any]:
    return list(session.execute(select(sensitive_places).order_by(sensitive_places.c.place_id)))


def sightings_in_cells(
    session: Session, cells: list[int], since: datetime, until: datetime
) -> list[Any]:
    """(plate, lat, lon) of sightings in the cells and the window; exact shapes are the caller's."""
    return list(
        session.execute(
            select(sightings.c.plate, sightings.c.lat, sightings.c.lon).where(
                sightings.c.cell.in_(cells),
                sightings.c.seen_at >= since,
                sightings.c.seen_at < until,
            )
        )
    )


def add_incidents(session: Session, rows: list[dict[str, Any]], time_zone: str) -> list[Any]:
    """Insert incidents not stored before, add them to the daily counts, and return the new
    ones (a repeat returns nothing)."""
    if not rows:
        return []
    new = session.execute(
        insert(incidents).values(rows).on_conflict_do_nothing().returning(*incidents.c)
    ).all()
    counts: dict[tuple[Any, ...], int] = {}
    zone = ZoneInfo(time_zone)
    for r in new:
        key = (
            r.reported_at.astimezone(zone).date(),
            r.district,
            r.station,
            r.category,
            r.method or "",
            r.status,
            r.unit_path,
        )
        counts[key] = counts.get(key, 0) + 1
    if counts:
        statement = insert(incident_daily).values(
            [
                dict(
                    zip(
                        ("day", "district", "station", "category", "method", "status", "unit_path"),
                        key,
                        strict=True,
                    ),
                    incidents=n,
                )
                for key, n in sorted(counts.items())
            ]
        )
        session.execute(
            statement.on_conflict_do_update(
                constraint="incident_daily_pkey",
                set_={"incidents": incident_daily.c.incidents + statement.excluded.incidents},
            )
        )
    return list(new)


def _cube_expression(dimension: str, time_zone: str, daily: bool) -> Any:
    table = incident_daily if daily else incidents
    if dimension in ("district", "station", "category", "status"):
        return table.c[dimension]
    if dimension == "method":
        return func.nullif(table.c.method, "") if daily else table.c.method
    local = (
        func.cast(incident_daily.c.day, DateTime)
        if daily
        else func.timezone(time_zone, incidents.c.reported_at)
    )
    if dimension == "hour_of_day":
        return func.extract("hour", local)
    if dimension == "weekday":
        return func.extract("isodow", local)
    return func.date_trunc(dimension, local)  # hour, day, week, month


def incident_cube(
    session: Session,
    dimensions: list[str],
    since: datetime,
    until: datetime,
    scope: str,
    time_zone: str,
    categories: list[str] | None,
    districts: list[str] | None,
) -> list[Any]:
    """Counts by every combination of the dimensions (GROUP BY CUBE), inside the scope.

    A question about whole local days, not about hours, is answered from the daily counts;
    anything else from the incidents themselves. Both give the same numbers.
    """
    zone = ZoneInfo(time_zone)
    local_since, local_until = since.astimezone(zone), until.astimezone(zone)
    daily = (
        set(dimensions) <= DAILY_DIMENSIONS
        and local_since.time() == time_of_day()
        and local_until.time() == time_of_day()
    )
    table = incident_daily if daily else incidents
    expressions = [_cube_expression(d, time_zone, daily) for d in dimensions]
    measure = func.sum(incident_daily.c.incidents) if daily else func.count()
    window = (
        (incident_daily.c.day >= local_since.date(), incident_daily.c.day < local_until.date())
        if daily
        else (incidents.c.reported_at >= since, incidents.c.reported_at < until)
    )
    query = select(
        *(e.label(d) for d, e in zip(dimensions, expressions, strict=True)),
        *(
            func.grouping(e).label(f"rolled_{d}")
            for d, e in zip(dimensions, expressions, strict=True)
        ),
        measure.label("incidents"),
    ).where(
        *window,
        (table.c.unit_path == scope) | table.c.unit_path.startswith(scope + "/", autoescape=True),
    )
    if categories:
        query = query.where(table.c.category.in_(categories))
    if districts:
        query = query.where(table.c.district.in_(districts))
    query = query.group_by(func.cube(*expressions)).order_by(*expressions)
    return list(session.execute(query))


def add_person(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(persons).values(**values))


def add_vehicle(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(vehicles).values(**values))


def vehicle(session: Session, plate: str) -> Any:
    return session.execute(select(vehicles).where(vehicles.c.plate == plate)).first()


def plates_of_owner(session: Session, person_id: str) -> list[str]:
    return list(
        session.execute(
            select(vehicles.c.plate)
            .where(vehicles.c.owner_person_id == person_id)
            .order_by(vehicles.c.plate)
        ).scalars()
    )


def person(session: Session, person_id: str) -> Any:
    return session.execute(select(persons).where(persons.c.person_id == person_id)).first()


def person_by_hash(session: Session, national_id_hash: str) -> Any:
    return session.execute(
        select(persons).where(persons.c.national_id_hash == national_id_hash)
    ).first()


def add_vehicle_alert(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(vehicle_alerts).values(**values).on_conflict_do_nothing())


def alerts_of(session: Session, plate: str, limit: int) -> list[Any]:
    return list(
        session.execute(
            select(vehicle_alerts)
            .where(vehicle_alerts.c.plate == plate)
            .order_by(vehicle_alerts.c.seen_at.desc())
            .limit(limit)
        )
    )


def add_place(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(places).values(**values))


def places_in_box(
    session: Session,
    south: float,
    west: float,
    north: float,
    east: float,
    kinds: list[str] | None,
    district: str | None,
) -> list[Any]:
    query = select(places).where(
        places.c.lat.between(south, north), places.c.lon.between(west, east)
    )
    if kinds:
        query = query.where(places.c.kind.in_(kinds))
    if district:
        query = query.where(places.c.district == district)
    return list(session.execute(query))


def places_by_id(
    session: Session,
    kinds: list[str] | None,
    district: str | None,
    after: str | None,
    limit: int,
) -> list[Any]:
    query = select(places)
    if kinds:
        query = query.where(places.c.kind.in_(kinds))
    if district:
        query = query.where(places.c.district == district)
    if after is not None:
        query = query.where(places.c.place_id > after)
    return list(session.execute(query.order_by(places.c.place_id).limit(limit)))


def list_incidents(
    session: Session,
    since: datetime,
    until: datetime,
    scope: str,
    categories: list[str] | None,
    districts: list[str] | None,
    status: str | None,
    before: tuple[datetime, Any] | None,
    limit: int,
) -> list[Any]:
    """Incidents in [since, until) inside the scope, newest first, before a keyset cursor."""
    query = select(incidents).where(
        incidents.c.reported_at >= since,
        incidents.c.reported_at < until,
        (incidents.c.unit_path == scope)
        | incidents.c.unit_path.startswith(scope + "/", autoescape=True),
    )
    if categories:
        query = query.where(incidents.c.category.in_(categories))
    if districts:
        query = query.where(incidents.c.district.in_(districts))
    if status:
        query = query.where(incidents.c.status == status)
    if before is not None:
        query = query.where(
            tuple_(incidents.c.reported_at, incidents.c.incident_id) < tuple_(*before)
        )
    order = (incidents.c.reported_at.desc(), incidents.c.incident_id.desc())
    return list(session.execute(query.order_by(*order).limit(limit)))


def keep_latest(session: Session, table: Table, key: str, values: dict[str, Any]) -> bool:
    """Insert the row, or replace the stored one if this one changed later (events may arrive
    out of order or twice). Returns whether the row is now this one."""
    statement = insert(table).values(**values)
    changed = session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={c: statement.excluded[c] for c in values if c != key},
            where=table.c.changed_at < statement.excluded.changed_at,
        ).returning(table.c[key])
    ).first()
    return changed is not None


def replace_case_vehicles(session: Session, case_id: str, plates: list[str]) -> None:
    session.execute(case_vehicles.delete().where(case_vehicles.c.case_id == case_id))
    if plates:
        session.execute(
            insert(case_vehicles).values([{"case_id": case_id, "plate": p} for p in set(plates)])
        )


def fines_of(session: Session, plate: str, limit: int) -> list[Any]:
    return list(
        session.execute(
            select(vehicle_fines)
            .where(vehicle_fines.c.plate == plate)
            .order_by(vehicle_fines.c.issued_at.desc())
            .limit(limit)
        )
    )


def hotlist_entries_of(session: Session, plate: str) -> list[Any]:
    return list(
        session.execute(
            select(vehicle_hotlist_entries)
            .where(vehicle_hotlist_entries.c.plate == plate)
            .order_by(vehicle_hotlist_entries.c.changed_at.desc())
        )
    )


def cases_of(session: Session, plate: str, limit: int) -> list[Any]:
    return list(
        session.execute(
            select(cases)
            .join(case_vehicles, case_vehicles.c.case_id == cases.c.case_id)
            .where(case_vehicles.c.plate == plate)
            .order_by(cases.c.changed_at.desc())
            .limit(limit)
        )
    )


def sightings_between(
    session: Session, plate: str, since: datetime, until: datetime | None, limit: int
) -> list[Any]:
    """A plate's sightings in [since, until) (no end: up to the newest), newest first."""
    if until is not None and since >= until:
        return []
    query = select(
        sightings.c.sighting_id,
        sightings.c.device_id,
        sightings.c.seen_at,
        sightings.c.lat,
        sightings.c.lon,
    ).where(sightings.c.plate == plate, sightings.c.seen_at >= since)
    if until is not None:
        query = query.where(sightings.c.seen_at < until)
    return list(session.execute(query.order_by(sightings.c.seen_at.desc()).limit(limit)))
