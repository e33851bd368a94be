"""Tables of fire-safety permit applications and certificate requests (schema `citizen`), and
the queries over them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.citizen.store import metadata

fire_permit_applications = Table(
    "fire_permit_applications",
    metadata,
    Column("application_id", UUID(as_uuid=True), primary_key=True),
    Column("citizen_id", String(64), nullable=False),
    Column("venue_name", String(100), nullable=False),
    Column("venue_address", String(200), nullable=False),
    Column("venue_type", String(20), nullable=False),
    #: the interview's answers in order, as the citizen gave them
    Column("answers", JSONB, nullable=False),
    #: the outcome as the server evaluated the answers (procedure, documents, steps)
    Column("outcome", JSONB, nullable=False),
    Column("procedure", String(12), nullable=False),
    #: document code → storage reference (the latest submission's)
    Column("documents", JSONB, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reviewer", String(64)),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("fire_permit_applications_citizen", "citizen_id", "submitted_at"),
    Index("fire_permit_applications_queue", "status", "submitted_at"),
)

fire_permit_transitions = Table(
    "fire_permit_transitions",
    metadata,
    Column("transition_id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "application_id",
        UUID(as_uuid=True),
        ForeignKey("fire_permit_applications.application_id"),
        nullable=False,
    ),
    Column("status", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(80), nullable=False),
    Column("reason", String(300)),
    Index("fire_permit_transitions_application", "application_id", "transition_id"),
)

certificate_requests = Table(
    "certificate_requests",
    metadata,
    Column("request_id", UUID(as_uuid=True), primary_key=True),
    Column("citizen_id", String(64), nullable=False),
    Column("certificate_type", String(24), nullable=False),
    Column("purpose", String(200), nullable=False),
    #: the pick-up hall as the police cloud named it when the request was made
    Column("hall_id", String(64), nullable=False),
    Column("hall_name", String(200), nullable=False),
    Column("hall_address", String(300)),
    Column("hall_district", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reviewer", String(64)),
    Column("certificate_number", String(40), unique=True),
    Column("issued_on", Date),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("certificate_requests_citizen", "citizen_id", "requested_at"),
    Index("certificate_requests_queue", "status", "requested_at"),
)

certificate_transitions = Table(
    "certificate_transitions",
    metadata,
    Column("transition_id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        UUID(as_uuid=True),
        ForeignKey("certificate_requests.request_id"),
        nullable=False,
    ),
    Column("status", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(80), nullable=False),
    Column("reason", String(300)),
    Index("certificate_transitions_request", "request_id", "transition_id"),
)

#: the last serial given per kind and year of issue
certificate_serials = Table(
    "certificate_serials",
    metadata,
    Column("certificate_type", String(24), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_serial", Integer, nullable=False),
)

Cursor = tuple[datetime, uuid.UUID]


def _page(
    session: Session,
    table: Table,
    key: str,
    moment: str,
    conditions: Sequence[Any],
    after: Cursor | None,
    limit: int,
    *,
    newest_first: bool,
) -> Sequence[Any]:
    """One page ordered by (moment, key); `after` is the last row of the page before."""
    order = tuple_(table.c[moment], table.c[key])
    query = select(table).where(*conditions)
    if after is not None:
        query = query.where(order < tuple_(*after) if newest_first else order > tuple_(*after))
    columns = (table.c[moment], table.c[key])
    ordering = [c.desc() for c in columns] if newest_first else list(columns)
    return session.execute(query.order_by(*ordering).limit(limit)).all()


# -- fire-safety permits --------------------------------------------------------------------------


def add_application(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(fire_permit_applications).values(values))


def application(
    session: Session,
    application_id: uuid.UUID,
    *,
    citizen_id: str | None = None,
    lock: bool = False,
) -> Any:
    """The application, or None; with `citizen_id`, only if it is that citizen's."""
    t = fire_permit_applications
    query = select(t).where(t.c.application_id == application_id)
    if citizen_id is not None:
        query = query.where(t.c.citizen_id == citizen_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).first()


def update_application(session: Session, application_id: uuid.UUID, values: dict[str, Any]) -> None:
    t = fire_permit_applications
    session.execute(update(t).where(t.c.application_id == application_id).values(values))


def add_permit_transition(
    session: Session,
    application_id: uuid.UUID,
    status: str,
    at: datetime,
    by: str,
    reason: str | None,
) -> None:
    session.execute(
        insert(fire_permit_transitions).values(
            application_id=application_id, status=status, at=at, by=by, reason=reason
        )
    )


def permit_transitions(session: Session, application_id: uuid.UUID) -> Sequence[Any]:
    t = fire_permit_transitions
    return session.execute(
        select(t).where(t.c.application_id == application_id).order_by(t.c.transition_id)
    ).all()


def citizens_applications(
    session: Session, citizen_id: str, after: Cursor | None, limit: int
) -> Sequence[Any]:
    t = fire_permit_applications
    return _page(
        session,
        t,
        "application_id",
        "submitted_at",
        [t.c.citizen_id == citizen_id],
        after,
        limit,
        newest_first=True,
    )


def application_queue(
    session: Session, statuses: Sequence[str], after: Cursor | None, limit: int
) -> Sequence[Any]:
    t = fire_permit_applications
    return _page(
        session,
        t,
        "application_id",
        "submitted_at",
        [t.c.status.in_(statuses)],
        after,
        limit,
        newest_first=False,
    )


# -- certificates -----------------------------------------------------------------------------


def add_certificate_request(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(certificate_requests).values(values))


def certificate_request(
    session: Session, request_id: uuid.UUID, *, citizen_id: str | None = None, lock: bool = False
) -> Any:
    """The request, or None; with `citizen_id`, only if it is that citizen's."""
    t = certificate_requests
    query = select(t).where(t.c.request_id == request_id)
    if citizen_id is not None:
        query = query.where(t.c.citizen_id == citizen_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).first()


def certificate_by_number(session: Session, number: str) -> Any:
    t = certificate_requests
    return session.execute(select(t).where(t.c.certificate_number == number)).first()


def update_certificate_request(
    session: Session, request_id: uuid.UUID, values: dict[str, Any]
) -> None:
    t = certificate_requests
    session.execute(update(t).where(t.c.request_id == request_id).values(values))


def add_certificate_transition(
    session: Session,
    request_id: uuid.UUID,
    status: str,
    at: datetime,
    by: str,
    reason: str | None,
) -> None:
    session.execute(
        insert(certificate_transitions).values(
            request_id=request_id, status=status, at=at, by=by, reason=reason
        )
    )


def certificate_transitions_of(session: Session, request_id: uuid.UUID) -> Sequence[Any]:
    t = certificate_transitions
    return session.execute(
        select(t).where(t.c.request_id == request_id).order_by(t.c.transition_id)
    ).all()


def citizens_certificate_requests(
    session: Session, citizen_id: str, after: Cursor | None, limit: int
) -> Sequence[Any]:
    t = certificate_requests
    return _page(
        session,
        t,
        "request_id",
        "requested_at",
        [t.c.citizen_id == citizen_id],
        after,
        limit,
        newest_first=True,
    )


def certificate_queue(
    session: Session, statuses: Sequence[str], after: Cursor | None, limit: int
) -> Sequence[Any]:
    t = certificate_requests
    return _page(
        session,
        t,
        "request_id",
        "requested_at",
        [t.c.status.in_(statuses)],
        after,
        limit,
        newest_first=False,
    )


def next_serial(session: Session, certificate_type: str, year: int) -> int:
    """The next serial of a kind in a year; the row lock orders concurrent issues."""
    t = certificate_serials
    statement = (
        pg_insert(t)
        .values(certificate_type=certificate_type, year=year, last_serial=1)
        .on_conflict_do_update(
            index_elements=[t.c.certificate_type, t.c.year],
            set_={"last_serial": t.c.last_serial + 1},
        )
        .returning(t.c.last_serial)
    )
    return int(session.execute(statement).scalar_one())
