"""Open311 GeoReport v2 service requests and API keys; the safety map's opening hours.

Revision ID: citizen_0005
Revises: citizen_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "citizen_0005"
down_revision = "citizen_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_api_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "open311_requests",
        sa.Column("service_request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("service_code", sa.String(32), nullable=False),
        sa.Column("service_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("status_notes", sa.String(1000)),
        sa.Column("description", sa.Text),
        sa.Column("agency_responsible", sa.String(200)),
        sa.Column("service_notice", sa.String(500)),
        sa.Column("address", sa.String(300)),
        sa.Column("address_id", sa.String(100)),
        sa.Column("zipcode", sa.String(20)),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("media_url", sa.String(2000)),
        sa.Column("attributes", JSONB, nullable=False),
        sa.Column("contact", JSONB, nullable=False),
        sa.Column("account_id", sa.String(200)),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True)),
        sa.Column("duplicate_of", UUID(as_uuid=True)),
        sa.Column("api_key_id", sa.String(16)),
        sa.Column("citizen_id", sa.String(64)),
    )
    op.create_index(
        "open311_requests_open_nearby", "open311_requests", ["service_code", "status", "lat"]
    )
    op.create_index("open311_requests_requested", "open311_requests", ["requested_at"])
    op.create_index("open311_requests_citizen", "open311_requests", ["citizen_id", "requested_at"])
    op.create_table(
        "safety_map_hours",
        sa.Column("place_id", sa.String(64), primary_key=True),
        sa.Column("opening_hours", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("safety_map_hours")
    op.drop_table("open311_requests")
    op.drop_table("open311_api_keys")
