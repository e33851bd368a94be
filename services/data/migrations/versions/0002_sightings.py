"""Sightings.

Revision ID: data_0002
Revises: data_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0002"
down_revision = "data_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sightings",
        sa.Column("sighting_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("batch_id", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_index("sightings_plate_seen_at", "sightings", ["plate", "seen_at"])
    op.create_index("sightings_seen_at", "sightings", ["seen_at"])


def downgrade() -> None:
    op.drop_table("sightings")
