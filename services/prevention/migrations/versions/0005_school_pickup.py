"""School pickup: schools, classes, students, guardians, authorised pick-ups, custody.

Revision ID: prevention_0005
Revises: prevention_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "prevention_0005"
down_revision = "prevention_0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
STUDENT_FK = (
    ["school_id", "student_id"],
    ["school_students.school_id", "school_students.student_id"],
)
GUARDIAN_FK = (
    ["school_id", "guardian_id"],
    ["school_guardians.school_id", "school_guardians.guardian_id"],
)
CLASS_FK = (["school_id", "class_id"], ["school_classes.school_id", "school_classes.class_id"])


def upgrade() -> None:
    op.create_table(
        "school_schools",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("gate_device_ids", ARRAY(sa.String(64)), nullable=False),
        sa.Column("staff_contacts", JSONB, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("school_schools_unit", "school_schools", ["unit_path"])
    op.create_table(
        "school_classes",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("class_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school_schools.school_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "school_students",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("student_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("class_id", sa.String(64), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(*CLASS_FK),
        sa.UniqueConstraint("school_id", "person_ref", name="school_students_person_ref"),
    )
    op.create_table(
        "school_guardians",
        sa.Column("school_id", sa.String(64), primary_key=True),
        sa.Column("guardian_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school_schools.school_id"], ondelete="CASCADE"),
        sa.UniqueConstraint("school_id", "person_ref", name="school_guardians_person_ref"),
    )
    op.create_table(
        "school_authorisations",
        sa.Column("authorisation_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("guardian_id", sa.String(64), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS),
        sa.Column("revoked_at", TS),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(*STUDENT_FK),
        sa.ForeignKeyConstraint(*GUARDIAN_FK),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name="school_authorisation_period"
        ),
    )
    op.create_index(
        "school_authorisations_student", "school_authorisations", ["school_id", "student_id"]
    )
    op.create_table(
        "school_delegations",
        sa.Column("delegation_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("guardian_id", sa.String(64), nullable=False),
        sa.Column("delegate_name", sa.String(60), nullable=False),
        sa.Column("delegate_person_ref", sa.String(64), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("used_at", TS),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(*STUDENT_FK),
        sa.ForeignKeyConstraint(*GUARDIAN_FK),
        sa.CheckConstraint("valid_until > valid_from", name="school_delegation_window"),
    )
    op.create_index(
        "school_delegations_student",
        "school_delegations",
        ["school_id", "student_id", "valid_until"],
    )
    op.create_table(
        "school_sessions",
        sa.Column("session_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("class_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.ForeignKeyConstraint(*CLASS_FK),
        sa.CheckConstraint("ends_at > starts_at", name="school_session_window"),
    )
    op.create_index(
        "school_sessions_class", "school_sessions", ["school_id", "class_id", "starts_at"]
    )
    op.create_table(
        "school_custody",
        sa.Column("entry_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("gate_event_id", sa.String(128)),
        sa.Column("device_id", sa.String(64)),
        sa.Column("person_ref", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("reasons", ARRAY(sa.String(32)), nullable=False),
        sa.Column("released_to_kind", sa.String(24)),
        sa.Column("released_to_id", sa.String(64)),
        sa.Column("delegation_id", UUID(as_uuid=True)),
        sa.Column("resolves_entry_id", UUID(as_uuid=True)),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("recorded_at", TS, nullable=False),
        sa.ForeignKeyConstraint(*STUDENT_FK),
        sa.UniqueConstraint("school_id", "student_id", "day", "seq", name="school_custody_seq"),
        sa.UniqueConstraint("resolves_entry_id", name="school_custody_resolves"),
        sa.UniqueConstraint("school_id", "gate_event_id", name="school_custody_gate_event"),
        sa.CheckConstraint(
            "kind IN ('released', 'held', 'manually_released', 'refused')",
            name="school_custody_kind",
        ),
    )
    op.create_index("school_custody_school_day", "school_custody", ["school_id", "day", "kind"])
    # the custody log is append-only: a line is never changed or removed once written
    op.execute(
        """
        CREATE FUNCTION school_custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the custody log is append-only';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER school_custody_append_only BEFORE UPDATE OR DELETE ON school_custody "
        "FOR EACH ROW EXECUTE FUNCTION school_custody_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER school_custody_append_only ON school_custody")
    op.execute("DROP FUNCTION school_custody_append_only()")
    for table in (
        "school_custody",
        "school_sessions",
        "school_delegations",
        "school_authorisations",
        "school_guardians",
        "school_students",
        "school_classes",
        "school_schools",
    ):
        op.drop_table(table)
