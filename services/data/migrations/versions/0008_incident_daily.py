"""Daily incident counts (local days), kept with every insert: the cube's fast path.

Revision ID: data_0008
Revises: data_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "data_0008"
down_revision = "data_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_daily",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("station", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("incidents", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "unit_path", "category", "method", "status", name="incident_daily_pkey"
        ),
    )


def downgrade() -> None:
    op.drop_table("incident_daily")
