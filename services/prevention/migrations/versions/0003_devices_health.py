"""Device credentials, decommissioning, heartbeats and uptime.

Revision ID: prevention_0003
Revises: prevention_0002
"""

from __future__ import annotations

revision = "prevention_0003"
down_revision = "prevention_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
