"""Devices (checkpoints, cameras, gates).

Revision ID: prevention_0002
Revises: prevention_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prevention_0002"
down_revision = "prevention_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.CheckConstraint("kind IN ('checkpoint', 'camera', 'gate')", name="device_kind"),
    )


def downgrade() -> None:
    op.drop_table("devices")
