"""Chassis tables of the citizen service: outbox, inbox, idempotency.

Revision ID: citizen_0001
Revises:
"""

from __future__ import annotations

from chassis.migration_ops import create_chassis_tables_v1, drop_chassis_tables_v1

revision = "citizen_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables_v1()


def downgrade() -> None:
    drop_chassis_tables_v1()
