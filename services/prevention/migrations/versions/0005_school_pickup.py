"""School pickup: schools, classes, students, guardians, authorised pick-ups, custody.

Revision ID: prevention_0005
Revises: prevention_0004
"""

from __future__ import annotations

revision = "prevention_0005"
down_revision = "prevention_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
