"""Oversight cases: officers whose personal-data reads are unlike their peers', with evidence.

Revision ID: management_0007
Revises: management_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "management_0007"
down_revision = "management_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oversight_cases",
        sa.Column("case_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("signals", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("flag", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("officer_id", "window_start", "window_end"),
    )


def downgrade() -> None:
    op.drop_table("oversight_cases")
