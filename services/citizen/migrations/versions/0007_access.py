"""Move-my-car requests, identity verification and corrections.

Revision ID: citizen_0007
Revises: citizen_0006
"""

from __future__ import annotations

revision = "citizen_0007"
down_revision = "citizen_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
