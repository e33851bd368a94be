"""Citizen accounts (sign-in by phone and one-time code, token-signing keys) and the
notification outbox with the local development sink.

Revision ID: citizen_0002
Revises: citizen_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "citizen_0002"
down_revision = "citizen_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.LargeBinary, nullable=False),
        sa.Column("public_jwk", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "citizens",
        sa.Column("citizen_id", sa.String(64), primary_key=True),
        sa.Column("phone_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("person_id", sa.String(64)),
        sa.Column("name_masked", sa.String(100)),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sign_in_codes",
        sa.Column("phone_digest", sa.String(64), primary_key=True),
        sa.Column("code_hash", sa.Text),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_sent_at", sa.DateTime(timezone=True)),
        sa.Column("window_started_at", sa.DateTime(timezone=True)),
        sa.Column("sent_in_window", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "notifications",
        sa.Column("notification_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("body", sa.String(500)),
        sa.Column("sensitive", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_message_id", sa.String(100)),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    )
    # the sender's work queue: only messages still waiting are indexed
    op.create_index(
        "notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "sink_messages",
        sa.Column("notification_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("sink_messages_recipient", "sink_messages", ["recipient", "received_at"])


def downgrade() -> None:
    for table in ("sink_messages", "notifications", "sign_in_codes", "citizens", "signing_keys"):
        op.drop_table(table)
