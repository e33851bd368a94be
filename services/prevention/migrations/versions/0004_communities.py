"""Smart communities: communities, households, residents, face-gate consent, access events.

Revision ID: prevention_0004
Revises: prevention_0003
"""

from __future__ import annotations

revision = "prevention_0004"
down_revision = "prevention_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
