"""Fire-safety permit applications and certificate requests.

Revision ID: citizen_0006
Revises: citizen_0005
"""

from __future__ import annotations

revision = "citizen_0006"
down_revision = "citizen_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
