"""Safety map use cases: dress the data service's nearest places with their opening hours,
and let administrators set a place's hours (or return it to its kind's default)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from contracts.actor import Actor
from contracts.errors import Forbidden, NotFound
from contracts.safety_map import OpeningHours, PlaceOpeningHours, SafetyMap, SafetyMapRequest
from services.citizen.domain import safety_map as rules
from services.citizen.open311_store import safety_map_hours


def _require_admin(actor: Actor) -> None:
    if "admin" not in actor.roles:
        raise Forbidden("only an administrator sets opening hours")


def configured_hours(session: Session, place_ids: list[str]) -> dict[str, OpeningHours]:
    if not place_ids:
        return {}
    rows = session.execute(
        select(safety_map_hours.c.place_id, safety_map_hours.c.opening_hours).where(
            safety_map_hours.c.place_id.in_(place_ids)
        )
    )
    return {row.place_id: OpeningHours.model_validate(row.opening_hours) for row in rows}


def safety_map(session: Session, request: SafetyMapRequest, now: datetime) -> SafetyMap:
    hours = configured_hours(session, [p.place_id for p in request.places])
    return rules.safety_map(
        request.places, hours, now, open_now=request.open_now, limit=request.limit
    )


def set_hours(
    session: Session, actor: Actor, place_id: str, hours: OpeningHours, now: datetime
) -> PlaceOpeningHours:
    _require_admin(actor)
    values = {
        "opening_hours": hours.model_dump(mode="json"),
        "updated_at": now,
        "updated_by": actor.id,
    }
    session.execute(
        pg_insert(safety_map_hours)
        .values(place_id=place_id, **values)
        .on_conflict_do_update(index_elements=[safety_map_hours.c.place_id], set_=values)
    )
    return PlaceOpeningHours(
        place_id=place_id, opening_hours=hours, updated_at=now, updated_by=actor.id
    )


def reset_hours(session: Session, actor: Actor, place_id: str) -> None:
    _require_admin(actor)
    removed = session.execute(
        delete(safety_map_hours)
        .where(safety_map_hours.c.place_id == place_id)
        .returning(safety_map_hours.c.place_id)
    ).first()
    if removed is None:
        raise NotFound("this place has its kind's default hours already")
