"""The register of sensitive places; sweep authorisations may cover an area.

Revision ID: data_0006
Revises: data_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "data_0006"
down_revision = "data_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensitive_places",
        sa.Column("place_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("radius_m", sa.Float, nullable=False),
        sa.CheckConstraint(
            "kind IN ('worship', 'clinic', 'school', 'law_office', 'newsroom', 'assembly_site')",
            name="sensitive_place_kind",
        ),
    )
    op.add_column("sweep_authorisations", sa.Column("area", postgresql.JSONB))


def downgrade() -> None:
    op.drop_column("sweep_authorisations", "area")
    op.drop_table("sensitive_places")
