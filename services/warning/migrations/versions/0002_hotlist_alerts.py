"""Hotlist entries and alerts.

Revision ID: warning_0002
Revises: warning_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "warning_0002"
down_revision = "warning_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hotlist_entries",
        sa.Column("entry_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64)),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("hotlist_entries_plate", "hotlist_entries", ["plate"])
    op.create_table(
        "alerts",
        sa.Column("alert_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("entry_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("sighting_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("raised_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "status IN ('possible', 'confirmed', 'dismissed')", name="alert_status"
        ),
    )
    op.create_index("alerts_scope_recent", "alerts", ["unit_path", "raised_at"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("hotlist_entries")
