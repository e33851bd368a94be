"""Persons, vehicles and the alerts the vehicle dossier shows.

Revision ID: data_0009
Revises: data_0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0009"
down_revision = "data_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("national_id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("national_id_masked", sa.String(18), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("address", sa.String(300)),
    )
    op.create_table(
        "vehicles",
        sa.Column("plate", sa.String(16), primary_key=True),
        sa.Column("vehicle_type", sa.String(32), nullable=False),
        sa.Column("colour", sa.String(32)),
        sa.Column("brand", sa.String(64)),
        sa.Column("vin", sa.String(17)),
        sa.Column("owner_person_id", sa.String(64), sa.ForeignKey("persons.person_id")),
    )
    op.create_table(
        "vehicle_alerts",
        sa.Column("alert_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("vehicle_alerts_plate", "vehicle_alerts", ["plate", "seen_at"])


def downgrade() -> None:
    op.drop_table("vehicle_alerts")
    op.drop_table("vehicles")
    op.drop_table("persons")
