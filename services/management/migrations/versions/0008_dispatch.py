"""Dispatch: patrol units with their place and status, and dispatched tasks with timestamps.

Revision ID: management_0008
Revises: management_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "management_0008"
down_revision = "management_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_units",
        sa.Column("unit_id", sa.String(64), primary_key=True),
        sa.Column("station_id", sa.String(64), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "dispatch_tasks",
        sa.Column("task_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("station_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("patrol_units.unit_id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column("en_route_at", sa.DateTime(timezone=True)),
        sa.Column("on_scene_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("source", "source_id"),
    )
    op.create_index("dispatch_tasks_created", "dispatch_tasks", ["created_at"])


def downgrade() -> None:
    op.drop_table("dispatch_tasks")
    op.drop_table("patrol_units")
