"""Find ledger entries by producer and operation (retention receipts, say).

Revision ID: management_0003
Revises: management_0002
"""

from __future__ import annotations

from alembic import op

revision = "management_0003"
down_revision = "management_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ledger_entries_producer_operation", "ledger_entries", ["producer", "operation", "leaf_index"]
    )


def downgrade() -> None:
    op.drop_index("ledger_entries_producer_operation", table_name="ledger_entries")
