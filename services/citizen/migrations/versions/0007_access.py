"""Move-my-car requests, one account per verified person, and correction requests.

Revision ID: citizen_0007
Revises: citizen_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "citizen_0007"
down_revision = "citizen_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a verified person has one account: a second account claiming them is refused
    op.create_index(
        "citizens_person",
        "citizens",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("person_id IS NOT NULL"),
    )
    op.create_table(
        "move_requests",
        sa.Column("request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("place", sa.String(100), nullable=False),
        sa.Column("photo_ref", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_response", sa.String(20)),
        sa.Column("reply_secret_hash", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("notified_at", sa.DateTime(timezone=True)),
        sa.Column("responded_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    # the hourly limits count a requester's and a plate's recent requests
    op.create_index("move_requests_requester", "move_requests", ["requester_id", "created_at"])
    op.create_index("move_requests_plate", "move_requests", ["plate", "created_at"])
    op.create_table(
        "corrections",
        sa.Column("correction_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("record", sa.String(16), nullable=False),
        sa.Column("plate", sa.String(16)),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("requested_value", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decision_reason", sa.String(1000)),
    )
    op.create_index("corrections_citizen", "corrections", ["citizen_id", "created_at"])
    op.create_index("corrections_open", "corrections", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("corrections")
    op.drop_table("move_requests")
    op.drop_index("citizens_person", table_name="citizens")
