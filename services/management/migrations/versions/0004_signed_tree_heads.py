"""Signed tree heads: the ledger's own signing key, and a signature on every head.

Revision ID: management_0004
Revises: management_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "management_0004"
down_revision = "management_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.LargeBinary, nullable=False),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    # heads recorded before this revision stay unsigned; every new one is signed
    op.add_column("ledger_tree_heads", sa.Column("timestamp_ms", sa.BigInteger))
    op.add_column("ledger_tree_heads", sa.Column("kid", sa.String(64)))
    op.add_column("ledger_tree_heads", sa.Column("signature", sa.LargeBinary))


def downgrade() -> None:
    op.drop_column("ledger_tree_heads", "signature")
    op.drop_column("ledger_tree_heads", "kid")
    op.drop_column("ledger_tree_heads", "timestamp_ms")
    op.drop_table("ledger_signing_keys")
