"""What performance statistics count: incidents per local day and unit, cases and when they
were solved (kept from the data and investigation pillars' events).

Revision ID: management_0009
Revises: management_0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "management_0009"
down_revision = "management_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_counts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("unit_path", sa.String(400), primary_key=True),
        sa.Column("incidents", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("solved_on", sa.Date),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("case_facts_solved", "case_facts", ["solved_on"])


def downgrade() -> None:
    op.drop_table("case_facts")
    op.drop_table("incident_counts")
