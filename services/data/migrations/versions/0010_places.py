"""Places and points of interest (police stations, pawnshops, locksmiths, …).

Revision ID: data_0010
Revises: data_0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "data_0010"
down_revision = "data_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("place_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("cell", sa.BigInteger, nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20)),
    )
    op.create_index("places_lat_lon", "places", ["lat", "lon"])
    op.create_index("places_kind_district", "places", ["kind", "district", "place_id"])


def downgrade() -> None:
    op.drop_table("places")
