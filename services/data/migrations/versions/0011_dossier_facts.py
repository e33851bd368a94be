"""What the vehicle dossier keeps from other pillars' events: fines, hotlist entries, cases.

Revision ID: data_0011
Revises: data_0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0011"
down_revision = "data_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vehicle_fines",
        sa.Column("fine_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("violation", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("vehicle_fines_plate", "vehicle_fines", ["plate", "issued_at"])
    op.create_table(
        "vehicle_hotlist_entries",
        sa.Column("entry_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("vehicle_hotlist_entries_plate", "vehicle_hotlist_entries", ["plate"])
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "case_vehicles",
        sa.Column(
            "case_id",
            sa.String(64),
            sa.ForeignKey("cases.case_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("plate", sa.String(16), primary_key=True),
    )
    op.create_index("case_vehicles_plate", "case_vehicles", ["plate"])


def downgrade() -> None:
    op.drop_table("case_vehicles")
    op.drop_table("cases")
    op.drop_table("vehicle_hotlist_entries")
    op.drop_table("vehicle_fines")
