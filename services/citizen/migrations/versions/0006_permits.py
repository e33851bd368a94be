"""Fire-safety permit applications and certificate requests.

Revision ID: citizen_0006
Revises: citizen_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "citizen_0006"
down_revision = "citizen_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fire_permit_applications",
        sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("venue_name", sa.String(100), nullable=False),
        sa.Column("venue_address", sa.String(200), nullable=False),
        sa.Column("venue_type", sa.String(20), nullable=False),
        sa.Column("answers", JSONB, nullable=False),
        sa.Column("outcome", JSONB, nullable=False),
        sa.Column("procedure", sa.String(12), nullable=False),
        sa.Column("documents", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(64)),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "fire_permit_applications_citizen", "fire_permit_applications", ["citizen_id", "submitted_at"]
    )
    op.create_index(
        "fire_permit_applications_queue", "fire_permit_applications", ["status", "submitted_at"]
    )
    op.create_table(
        "fire_permit_transitions",
        sa.Column("transition_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "application_id",
            UUID(as_uuid=True),
            sa.ForeignKey("fire_permit_applications.application_id"),
            nullable=False,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(300)),
    )
    op.create_index(
        "fire_permit_transitions_application",
        "fire_permit_transitions",
        ["application_id", "transition_id"],
    )
    op.create_table(
        "certificate_requests",
        sa.Column("request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("certificate_type", sa.String(24), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("hall_name", sa.String(200), nullable=False),
        sa.Column("hall_address", sa.String(300)),
        sa.Column("hall_district", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(64)),
        sa.Column("certificate_number", sa.String(40), unique=True),
        sa.Column("issued_on", sa.Date),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "certificate_requests_citizen", "certificate_requests", ["citizen_id", "requested_at"]
    )
    op.create_index("certificate_requests_queue", "certificate_requests", ["status", "requested_at"])
    op.create_table(
        "certificate_transitions",
        sa.Column("transition_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id",
            UUID(as_uuid=True),
            sa.ForeignKey("certificate_requests.request_id"),
            nullable=False,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("reason", sa.String(300)),
    )
    op.create_index(
        "certificate_transitions_request", "certificate_transitions", ["request_id", "transition_id"]
    )
    op.create_table(
        "certificate_serials",
        sa.Column("certificate_type", sa.String(24), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_serial", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "certificate_serials",
        "certificate_transitions",
        "certificate_requests",
        "fire_permit_transitions",
        "fire_permit_applications",
    ):
        op.drop_table(table)
