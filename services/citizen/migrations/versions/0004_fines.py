"""Traffic fines, payments through a payment provider, receipts, appeals.

Revision ID: citizen_0004
Revises: citizen_0003
"""

from __future__ import annotations

revision = "citizen_0004"
down_revision = "citizen_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
