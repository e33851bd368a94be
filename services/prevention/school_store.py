"""Tables of school pickup (schema `prevention`) and the queries over them.

The custody log (`school_custody`) is append-only: the database refuses to update or delete its
rows (migration prevention_0005), and a hold's resolution is a new line that names it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from contracts.school_pickup import CustodyKind
from services.prevention.store import devices, metadata

TS = DateTime(timezone=True)

schools = Table(
    "school_schools",
    metadata,
    Column("school_id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("unit_path", String(400), nullable=False),
    Column("gate_device_ids", ARRAY(String(64)), nullable=False),
    #: [{"name": ..., "phone": ...}]
    Column("staff_contacts", JSONB, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Index("school_schools_unit", "unit_path"),
)

classes = Table(
    "school_classes",
    metadata,
    Column("school_id", String(64), primary_key=True),
    Column("class_id", String(64), primary_key=True),
    Column("name", String(60), nullable=False),
    ForeignKeyConstraint(["school_id"], ["school_schools.school_id"], ondelete="CASCADE"),
)

students = Table(
    "school_students",
    metadata,
    Column("school_id", String(64), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("class_id", String(64), nullable=False),
    Column("person_ref", String(64), nullable=False),
    ForeignKeyConstraint(
        ["school_id", "class_id"], ["school_classes.school_id", "school_classes.class_id"]
    ),
    UniqueConstraint("school_id", "person_ref", name="school_students_person_ref"),
)

guardians = Table(
    "school_guardians",
    metadata,
    Column("school_id", String(64), primary_key=True),
    Column("guardian_id", String(64), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("phone", String(16), nullable=False),
    Column("person_ref", String(64), nullable=False),
    ForeignKeyConstraint(["school_id"], ["school_schools.school_id"], ondelete="CASCADE"),
    UniqueConstraint("school_id", "person_ref", name="school_guardians_person_ref"),
)

authorisations = Table(
    "school_authorisations",
    metadata,
    Column("authorisation_id", UUID(as_uuid=True), primary_key=True),
    Column("school_id", String(64), nullable=False),
    Column("student_id", String(64), nullable=False),
    Column("guardian_id", String(64), nullable=False),
    Column("valid_from", TS, nullable=False),
    Column("valid_until", TS),
    Column("revoked_at", TS),
    Column("created_by", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    ForeignKeyConstraint(
        ["school_id", "student_id"], ["school_students.school_id", "school_students.student_id"]
    ),
    ForeignKeyConstraint(
        ["school_id", "guardian_id"],
        ["school_guardians.school_id", "school_guardians.guardian_id"],
    ),
    Index("school_authorisations_student", "school_id", "student_id"),
)

delegations = Table(
    "school_delegations",
    metadata,
    Column("delegation_id", UUID(as_uuid=True), primary_key=True),
    Column("school_id", String(64), nullable=False),
    Column("student_id", String(64), nullable=False),
    Column("guardian_id", String(64), nullable=False),
    Column("delegate_name", String(60), nullable=False),
    Column("delegate_person_ref", String(64), nullable=False),
    Column("valid_from", TS, nullable=False),
    Column("valid_until", TS, nullable=False),
    Column("used_at", TS),
    Column("created_by", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    ForeignKeyConstraint(
        ["school_id", "student_id"], ["school_students.school_id", "school_students.student_id"]
    ),
    ForeignKeyConstraint(
        ["school_id", "guardian_id"],
        ["school_guardians.school_id", "school_guardians.guardian_id"],
    ),
    Index("school_delegations_student", "school_id", "student_id", "valid_until"),
)

sessions = Table(
    "school_sessions",
    metadata,
    Column("session_id", UUID(as_uuid=True), primary_key=True),
    Column("school_id", String(64), nullable=False),
    Column("class_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    ForeignKeyConstraint(
        ["school_id", "class_id"], ["school_classes.school_id", "school_classes.class_id"]
    ),
    Index("school_sessions_class", "school_id", "class_id", "starts_at"),
)

custody = Table(
    "school_custody",
    metadata,
    Column("entry_id", UUID(as_uuid=True), primary_key=True),
    Column("school_id", String(64), nullable=False),
    Column("student_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("at", TS, nullable=False),
    Column("gate_event_id", String(128)),
    Column("device_id", String(64)),
    Column("person_ref", String(64)),
    Column("confidence", Float),
    Column("reasons", ARRAY(String(32)), nullable=False),
    Column("released_to_kind", String(24)),
    Column("released_to_id", String(64)),
    #: the delegation a held person matched: a staff release after verification spends it
    Column("delegation_id", UUID(as_uuid=True)),
    Column("resolves_entry_id", UUID(as_uuid=True)),
    Column("decided_by", String(64), nullable=False),
    Column("note", String(500)),
    Column("recorded_at", TS, nullable=False),
    ForeignKeyConstraint(
        ["school_id", "student_id"], ["school_students.school_id", "school_students.student_id"]
    ),
    UniqueConstraint("school_id", "student_id", "day", "seq", name="school_custody_seq"),
    # a hold is resolved once
    UniqueConstraint("resolves_entry_id", name="school_custody_resolves"),
    UniqueConstraint("school_id", "gate_event_id", name="school_custody_gate_event"),
    Index("school_custody_school_day", "school_id", "day", "kind"),
)

CUSTODY_PUBLIC_COLUMNS = [c for c in custody.c if c.name != "delegation_id"]


# -- schools and their people ----------------------------------------------------------------


def gate_devices(session: Session, device_ids: Sequence[str]) -> set[str]:
    """Those of `device_ids` registered as gates."""
    rows = session.execute(
        select(devices.c.device_id).where(
            devices.c.device_id.in_(list(device_ids)), devices.c.kind == "gate"
        )
    ).scalars()
    return set(rows)


def add_row(session: Session, table: Table, values: dict[str, Any]) -> Any | None:
    """Insert unless the key exists; the row, or None when it did."""
    return session.execute(
        pg_insert(table).values(**values).on_conflict_do_nothing().returning(*table.c)
    ).first()


def school(session: Session, school_id: str) -> Any | None:
    return session.execute(select(schools).where(schools.c.school_id == school_id)).first()


def schools_in_scope(session: Session, scope: str, after: str | None, limit: int) -> list[Any]:
    query = select(schools).where(
        (schools.c.unit_path == scope)
        | schools.c.unit_path.startswith(scope + "/", autoescape=True)
    )
    if after is not None:
        query = query.where(schools.c.school_id > after)
    return list(session.execute(query.order_by(schools.c.school_id).limit(limit)))


def school_class(session: Session, school_id: str, class_id: str) -> Any | None:
    return session.execute(
        select(classes).where(classes.c.school_id == school_id, classes.c.class_id == class_id)
    ).first()


def student(session: Session, school_id: str, student_id: str, *, lock: bool = False) -> Any:
    query = select(students, classes.c.name.label("class_name")).join(
        classes,
        and_(
            classes.c.school_id == students.c.school_id, classes.c.class_id == students.c.class_id
        ),
    )
    query = query.where(students.c.school_id == school_id, students.c.student_id == student_id)
    if lock:
        query = query.with_for_update(of=students)
    return session.execute(query).first()


def student_by_ref(session: Session, school_id: str, person_ref: str) -> Any | None:
    row = session.execute(
        select(students.c.student_id).where(
            students.c.school_id == school_id, students.c.person_ref == person_ref
        )
    ).first()
    return None if row is None else student(session, school_id, row.student_id, lock=True)


def guardian(session: Session, school_id: str, guardian_id: str) -> Any | None:
    return session.execute(
        select(guardians).where(
            guardians.c.school_id == school_id, guardians.c.guardian_id == guardian_id
        )
    ).first()


def authorisations_of(session: Session, school_id: str, student_id: str) -> list[Any]:
    return list(
        session.execute(
            select(authorisations, guardians.c.person_ref, guardians.c.name, guardians.c.phone)
            .join(
                guardians,
                and_(
                    guardians.c.school_id == authorisations.c.school_id,
                    guardians.c.guardian_id == authorisations.c.guardian_id,
                ),
            )
            .where(
                authorisations.c.school_id == school_id, authorisations.c.student_id == student_id
            )
            .order_by(authorisations.c.created_at, authorisations.c.authorisation_id)
        )
    )


def authorisation(session: Session, school_id: str, authorisation_id: uuid.UUID) -> Any | None:
    return session.execute(
        select(authorisations).where(
            authorisations.c.school_id == school_id,
            authorisations.c.authorisation_id == authorisation_id,
        )
    ).first()


def revoke_authorisation(session: Session, authorisation_id: uuid.UUID, now: datetime) -> Any:
    return session.execute(
        update(authorisations)
        .where(
            authorisations.c.authorisation_id == authorisation_id,
            authorisations.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(*authorisations.c)
    ).first()


def delegations_of(session: Session, school_id: str, student_id: str, since: datetime) -> list[Any]:
    """The student's delegations whose window ends after `since`, or ended within the day
    (so an expired one is recognised as such)."""
    return list(
        session.execute(
            select(delegations)
            .where(
                delegations.c.school_id == school_id,
                delegations.c.student_id == student_id,
                delegations.c.valid_until > since,
            )
            .order_by(delegations.c.valid_from, delegations.c.delegation_id)
        )
    )


def spend_delegation(session: Session, delegation_id: uuid.UUID, at: datetime) -> bool:
    row = session.execute(
        update(delegations)
        .where(delegations.c.delegation_id == delegation_id, delegations.c.used_at.is_(None))
        .values(used_at=at)
        .returning(delegations.c.delegation_id)
    ).first()
    return row is not None


def delegation(session: Session, delegation_id: uuid.UUID) -> Any | None:
    return session.execute(
        select(delegations).where(delegations.c.delegation_id == delegation_id)
    ).first()


def sessions_of(session: Session, school_id: str, class_id: str, around: datetime) -> list[Any]:
    """The class's sessions that may contain `around` (none lasts longer than a day)."""
    return list(
        session.execute(
            select(sessions).where(
                sessions.c.school_id == school_id,
                sessions.c.class_id == class_id,
                sessions.c.starts_at <= around,
                sessions.c.ends_at > around,
            )
        )
    )


# -- the custody log -------------------------------------------------------------------------


def released_today(session: Session, school_id: str, student_id: str, day: date) -> bool:
    row = session.execute(
        select(custody.c.entry_id)
        .where(
            custody.c.school_id == school_id,
            custody.c.student_id == student_id,
            custody.c.day == day,
            custody.c.kind.in_([str(CustodyKind.RELEASED), str(CustodyKind.MANUALLY_RELEASED)]),
        )
        .limit(1)
    ).first()
    return row is not None


def append_custody(session: Session, values: dict[str, Any]) -> Any:
    """Add a line as the next of the student's day; the caller holds the student's lock."""
    seq = session.execute(
        select(func.coalesce(func.max(custody.c.seq), 0) + 1).where(
            custody.c.school_id == values["school_id"],
            custody.c.student_id == values["student_id"],
            custody.c.day == values["day"],
        )
    ).scalar_one()
    return session.execute(
        insert(custody).values(**values, seq=seq).returning(*CUSTODY_PUBLIC_COLUMNS)
    ).one()


def custody_entry(session: Session, school_id: str, entry_id: uuid.UUID) -> Any | None:
    return session.execute(
        select(custody).where(custody.c.school_id == school_id, custody.c.entry_id == entry_id)
    ).first()


def custody_by_gate_event(session: Session, school_id: str, gate_event_id: str) -> Any | None:
    return session.execute(
        select(*CUSTODY_PUBLIC_COLUMNS).where(
            custody.c.school_id == school_id, custody.c.gate_event_id == gate_event_id
        )
    ).first()


def resolution_of(session: Session, entry_id: uuid.UUID) -> Any | None:
    return session.execute(
        select(custody.c.entry_id).where(custody.c.resolves_entry_id == entry_id)
    ).first()


def custody_log(
    session: Session, school_id: str, student_id: str, day: date, after_seq: int, limit: int
) -> list[Any]:
    return list(
        session.execute(
            select(*CUSTODY_PUBLIC_COLUMNS)
            .where(
                custody.c.school_id == school_id,
                custody.c.student_id == student_id,
                custody.c.day == day,
                custody.c.seq > after_seq,
            )
            .order_by(custody.c.seq)
            .limit(limit)
        )
    )


def holds(
    session: Session,
    school_id: str,
    day: date,
    open_only: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    resolutions = custody.alias("resolutions")
    query = (
        select(*CUSTODY_PUBLIC_COLUMNS)
        .where(
            custody.c.school_id == school_id,
            custody.c.day == day,
            custody.c.kind == str(CustodyKind.HELD),
        )
        .order_by(custody.c.at, custody.c.entry_id)
        .limit(limit)
    )
    if open_only:
        query = query.where(
            ~select(resolutions.c.entry_id)
            .where(resolutions.c.resolves_entry_id == custody.c.entry_id)
            .exists()
        )
    if after is not None:
        query = query.where(
            (custody.c.at > after[0])
            | ((custody.c.at == after[0]) & (custody.c.entry_id > after[1]))
        )
    return list(session.execute(query))


def counts_by_day(session: Session, school_id: str, first: date, last: date) -> list[Any]:
    return list(
        session.execute(
            select(custody.c.day, custody.c.kind, func.count().label("n"))
            .where(custody.c.school_id == school_id, custody.c.day.between(first, last))
            .group_by(custody.c.day, custody.c.kind)
            .order_by(custody.c.day)
        )
    )
