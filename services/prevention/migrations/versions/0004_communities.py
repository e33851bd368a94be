"""Smart communities: communities, households, residents, face-gate consent, access events.

No face template is stored: a resident is known to the gates by an opaque reference.

Revision ID: prevention_0004
Revises: prevention_0003
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "prevention_0004"
down_revision = "prevention_0003"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _resident_fk(
    name: str, *, nullable: bool = True, primary_key: bool = False
) -> sa.Column[uuid.UUID]:
    return sa.Column(
        name,
        UUID(as_uuid=True),
        sa.ForeignKey("community_residents.resident_id"),
        nullable=nullable and not primary_key,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("community_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("place_id", sa.String(64)),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_index("communities_unit_path", "communities", ["unit_path"])
    op.create_table(
        "community_gates",
        sa.Column("device_id", sa.String(64), sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column(
            "community_id",
            sa.String(64),
            sa.ForeignKey("communities.community_id"),
            nullable=False,
        ),
        sa.Column("assigned_at", _utc(), nullable=False),
    )
    op.create_index("community_gates_community", "community_gates", ["community_id"])
    op.create_table(
        "community_households",
        sa.Column("household_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "community_id",
            sa.String(64),
            sa.ForeignKey("communities.community_id"),
            nullable=False,
        ),
        sa.Column("unit_room", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.UniqueConstraint("community_id", "unit_room", name="community_household_room"),
    )
    op.create_table(
        "community_residents",
        sa.Column("resident_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "household_id",
            UUID(as_uuid=True),
            sa.ForeignKey("community_households.household_id"),
            nullable=False,
        ),
        sa.Column(
            "community_id",
            sa.String(64),
            sa.ForeignKey("communities.community_id"),
            nullable=False,
        ),
        sa.Column("resident_ref", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("citizen_id", sa.String(64)),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("community_id", "resident_ref", name="community_resident_ref"),
    )
    op.create_index("community_residents_citizen", "community_residents", ["citizen_id"])
    op.create_index(
        "community_residents_community", "community_residents", ["community_id", "resident_id"]
    )
    op.create_table(
        "community_guardians",
        sa.Column("guardian_id", UUID(as_uuid=True), primary_key=True),
        _resident_fk("child_id", nullable=False),
        _resident_fk("guardian_resident_id"),
        sa.Column("name", sa.String(100)),
        sa.Column("phone", sa.String(20)),
        sa.Column("citizen_id", sa.String(64)),
        sa.Column("relation", sa.String(32)),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "(guardian_resident_id IS NULL) = (name IS NOT NULL AND phone IS NOT NULL)",
            name="community_guardian_resident_or_contact",
        ),
    )
    op.create_index("community_guardians_child", "community_guardians", ["child_id"])
    op.create_index("community_guardians_citizen", "community_guardians", ["citizen_id"])
    op.create_index("community_guardians_resident", "community_guardians", ["guardian_resident_id"])
    op.create_table(
        "community_face_enrolments",
        _resident_fk("resident_id", primary_key=True),
        sa.Column("consent_id", UUID(as_uuid=True), nullable=False),
        sa.Column("enrolled_at", _utc(), nullable=False),
    )
    op.create_table(
        "community_face_consents",
        sa.Column("consent_id", UUID(as_uuid=True), primary_key=True),
        _resident_fk("resident_id", nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_as", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('granted', 'withdrawn')", name="community_consent_decision"
        ),
    )
    op.create_index(
        "community_face_consents_resident",
        "community_face_consents",
        ["resident_id", "decided_at"],
    )
    op.create_table(
        "community_notification_choices",
        _resident_fk("resident_id", primary_key=True),
        sa.Column("opted_in", sa.Boolean, nullable=False),
        sa.Column("changed_at", _utc(), nullable=False),
    )
    op.create_table(
        "community_chosen_contacts",
        _resident_fk("resident_id", primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
    )
    op.create_table(
        "community_access_events",
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "community_id",
            sa.String(64),
            sa.ForeignKey("communities.community_id"),
            nullable=False,
        ),
        sa.Column("gate_id", sa.String(64), nullable=False),
        sa.Column("gate_event_id", sa.String(128), nullable=False),
        _resident_fk("resident_id", nullable=False),
        sa.Column("resident_ref", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.UniqueConstraint("gate_id", "gate_event_id", name="community_access_gate_event"),
        sa.CheckConstraint("direction IN ('in', 'out')", name="community_access_direction"),
    )
    op.create_index(
        "community_access_events_listing",
        "community_access_events",
        ["community_id", "occurred_at", "event_id"],
    )
    op.create_index("community_access_events_recorded", "community_access_events", ["recorded_at"])
    op.create_index("community_access_events_resident", "community_access_events", ["resident_id"])
    op.create_table(
        "community_access_snapshots",
        sa.Column(
            "event_id",
            UUID(as_uuid=True),
            sa.ForeignKey("community_access_events.event_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("snapshot_ref", sa.String(200), nullable=False),
        sa.Column("recorded_at", _utc(), nullable=False),
    )
    op.create_index(
        "community_access_snapshots_recorded", "community_access_snapshots", ["recorded_at"]
    )


def downgrade() -> None:
    for table in (
        "community_access_snapshots",
        "community_access_events",
        "community_chosen_contacts",
        "community_notification_choices",
        "community_face_consents",
        "community_face_enrolments",
        "community_guardians",
        "community_residents",
        "community_households",
        "community_gates",
        "communities",
    ):
        op.drop_table(table)
