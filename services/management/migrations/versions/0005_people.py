"""Departments as a unit level; officers: badge number, rank, failed logins and lock-out, why an officer was disabled.

Revision ID: management_0005
Revises: management_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "management_0005"
down_revision = "management_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("unit_level", "units", type_="check")
    op.create_check_constraint(
        "unit_level", "units", "level IN ('city', 'branch', 'station', 'department')"
    )
    op.add_column("officers", sa.Column("badge_number", sa.String(16), unique=True))
    op.add_column("officers", sa.Column("rank", sa.String(64)))
    op.add_column(
        "officers", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("officers", sa.Column("locked_until", sa.DateTime(timezone=True)))
    op.add_column("officers", sa.Column("disabled_reason", sa.String(500)))


def downgrade() -> None:
    op.drop_constraint("unit_level", "units", type_="check")
    op.create_check_constraint("unit_level", "units", "level IN ('city', 'branch', 'station')")
    for column in ("disabled_reason", "locked_until", "failed_logins", "rank", "badge_number"):
        op.drop_column("officers", column)
