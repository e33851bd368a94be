"""Supervisors' authorisations to read old sightings.

Revision ID: data_0004
Revises: data_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0004"
down_revision = "data_0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "authorisations",
        sa.Column("authorisation_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("until", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("since < until", name="authorisation_window"),
    )


def downgrade() -> None:
    op.drop_table("authorisations")
