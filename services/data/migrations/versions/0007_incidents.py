"""Incidents (警情), counted by the data cube.

Revision ID: data_0007
Revises: data_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0007"
down_revision = "data_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("incident_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("cell", sa.BigInteger, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("station", sa.String(64), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
    )
    op.create_index("incidents_reported_at", "incidents", ["reported_at"])
    op.create_index(
        "incidents_unit_path", "incidents", ["unit_path"],
        postgresql_ops={"unit_path": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_table("incidents")
