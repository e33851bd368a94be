"""Duty rosters: each station's shifts and minimum staffing, officers' leave, the weeks.

Revision ID: management_0006
Revises: management_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "management_0006"
down_revision = "management_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_shifts",
        sa.Column("station_id", sa.String(64), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("start", sa.Time, nullable=False),
        sa.Column("duration_hours", sa.Float, nullable=False),
        sa.Column("night", sa.Boolean, nullable=False),
        sa.Column("weekday_minimum", sa.Integer, nullable=False, server_default="0"),
        sa.Column("weekend_minimum", sa.Integer),
    )
    op.create_table(
        "officer_leave",
        sa.Column("leave_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("officer_id", sa.String(64), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("first", sa.Date, nullable=False),
        sa.Column("last", sa.Date, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("officer_leave_officer", "officer_leave", ["officer_id", "first"])
    op.create_table(
        "roster_assignments",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("shift", sa.String(32), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("night", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("station_id", "day", "shift", "officer_id"),
    )
    op.create_index("roster_assignments_week", "roster_assignments", ["station_id", "week_start"])


def downgrade() -> None:
    op.drop_table("roster_assignments")
    op.drop_table("officer_leave")
    op.drop_table("station_shifts")
