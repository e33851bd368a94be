"""Supervisors' authorisations for sweeps (who passed these checkpoints).

Revision ID: data_0005
Revises: data_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0005"
down_revision = "data_0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sweep_authorisations",
        sa.Column("authorisation_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("devices", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("until", TS, nullable=False),
        sa.Column("targets", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("since < until", name="sweep_window"),
    )


def downgrade() -> None:
    op.drop_table("sweep_authorisations")
