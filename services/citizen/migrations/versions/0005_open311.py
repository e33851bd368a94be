"""Open311 GeoReport v2 service requests and API keys.

Revision ID: citizen_0005
Revises: citizen_0004
"""

from __future__ import annotations

revision = "citizen_0005"
down_revision = "citizen_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
