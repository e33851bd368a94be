"""Appointments: the service-type catalogue, offices, opening hours, slots, bookings and reminders.

Revision ID: citizen_0003
Revises: citizen_0002
"""

from __future__ import annotations

revision = "citizen_0003"
down_revision = "citizen_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
