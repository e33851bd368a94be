"""Ledger entries found by subject (a citizen's "who looked at my data" report).

Revision ID: management_0010
Revises: management_0009
"""

from __future__ import annotations

from alembic import op

revision = "management_0010"
down_revision = "management_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ledger_entries_subject",
        "ledger_entries",
        ["subject_digest", "leaf_index"],
        postgresql_where="subject_digest IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index("ledger_entries_subject", table_name="ledger_entries")
