"""Traffic fines, payments through a payment provider, receipts, appeals.

Revision ID: citizen_0004
Revises: citizen_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "citizen_0004"
down_revision = "citizen_0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fines",
        sa.Column("fine_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("vin_digest", sa.String(64)),
        sa.Column("violation", sa.String(200), nullable=False),
        sa.Column("violation_code", sa.String(8)),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("unit_path", sa.String(400), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("paid_at", TZ),
        sa.Column("cancelled_at", TZ),
        sa.Column("changed_at", TZ, nullable=False),
        sa.CheckConstraint("amount_fen > 0", name="fines_amount_positive"),
    )
    op.create_index("fines_plate", "fines", ["plate", "issued_at"])
    op.create_table(
        "fine_vehicle_access",
        sa.Column("citizen_id", sa.String(64), primary_key=True),
        sa.Column("plate", sa.String(16), primary_key=True),
        sa.Column("proven_at", TZ, nullable=False),
        sa.Column("expires_at", TZ),
    )
    op.create_index("fine_vehicle_access_plate", "fine_vehicle_access", ["plate"])
    op.create_table(
        "fine_lookup_budgets",
        sa.Column("citizen_id", sa.String(64), primary_key=True),
        sa.Column("window_started_at", TZ),
        sa.Column("used", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "fine_payments",
        sa.Column("payment_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("fine_id", UUID(as_uuid=True), sa.ForeignKey("fines.fine_id"), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_payment_id", sa.String(100), nullable=False, unique=True),
        sa.Column("redirect_url", sa.String(500), nullable=False),
        sa.Column("return_url", sa.String(500), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("completed_at", TZ),
    )
    op.create_index(
        "fine_payments_one_pending",
        "fine_payments",
        ["fine_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "payment_notifications",
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("provider_payment_id", sa.String(100), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_table(
        "fine_receipts",
        sa.Column("receipt_no", sa.String(32), primary_key=True),
        sa.Column(
            "fine_id",
            UUID(as_uuid=True),
            sa.ForeignKey("fines.fine_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("payment_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_at", TZ, nullable=False),
    )
    op.create_table(
        "fine_appeals",
        sa.Column("appeal_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("fine_id", UUID(as_uuid=True), sa.ForeignKey("fines.fine_id"), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("decision", sa.String(12)),
        sa.Column("decision_reason", sa.String(1000)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", TZ),
    )
    op.create_index("fine_appeals_fine", "fine_appeals", ["fine_id", "submitted_at"])
    op.create_index(
        "fine_appeals_open",
        "fine_appeals",
        ["submitted_at", "appeal_id"],
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_index(
        "fine_appeals_one_open",
        "fine_appeals",
        ["fine_id"],
        unique=True,
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("provider_payment_id", sa.String(100), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("return_url", sa.String(500), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("completed_at", TZ),
        sa.Column("notification_body", sa.Text),
    )


def downgrade() -> None:
    for table in (
        "sandbox_charges",
        "fine_appeals",
        "fine_receipts",
        "payment_notifications",
        "fine_payments",
        "fine_lookup_budgets",
        "fine_vehicle_access",
        "fines",
    ):
        op.drop_table(table)
