"""Identity (units, officers, service accounts, signing keys, revocations), the audit ledger
and the trace store.

Revision ID: management_0002
Revises: management_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "management_0002"
down_revision = "management_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(64), sa.ForeignKey("units.id")),
        sa.Column("path", sa.String(400), nullable=False, unique=True),
        sa.CheckConstraint("level IN ('city', 'branch', 'station')", name="unit_level"),
    )
    op.create_index("units_path_prefix", "units", ["path"], postgresql_ops={"path": "text_pattern_ops"})
    op.create_table(
        "officers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("tokens_valid_after", TS),
    )
    op.create_index("officers_unit", "officers", ["unit_id"])
    op.create_table(
        "service_accounts",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("pillar", sa.String(32), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.LargeBinary, nullable=False),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", TS),
    )
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_by", sa.String(64)),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("record_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("recorded_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("producer", sa.String(64), nullable=False),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor", postgresql.JSONB, nullable=False),
        sa.Column("operation", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("subject_digest", sa.String(64)),
        sa.Column("details_digest", sa.String(64)),
        sa.Column("http_status", sa.Integer),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
    )
    for column in ("trace_id", "actor_id", "subject_digest", "case_id", "occurred_at"):
        op.create_index(f"ledger_entries_{column}", "ledger_entries", [column])
    # the ledger is append-only: no update, delete or truncate, whoever asks
    op.execute(
        """
        CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit ledger is append-only';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
    )
    op.create_table(
        "ledger_details",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(500)),
        sa.Column("details", postgresql.JSONB),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "ledger_tree_heads",
        sa.Column("size", sa.BigInteger, primary_key=True),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "spans",
        sa.Column("trace_id", sa.String(32), primary_key=True),
        sa.Column("span_id", sa.String(16), primary_key=True),
        sa.Column("parent_span_id", sa.String(16)),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_time", TS, nullable=False),
        sa.Column("end_time", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attributes", postgresql.JSONB, nullable=False),
    )
    op.create_index("spans_start_time", "spans", ["start_time"])


def downgrade() -> None:
    op.drop_table("spans")
    op.drop_table("ledger_tree_heads")
    op.drop_table("ledger_details")
    op.drop_table("ledger_entries")
    op.execute("DROP FUNCTION ledger_append_only()")
    op.drop_table("revoked_tokens")
    op.drop_table("signing_keys")
    op.drop_table("service_accounts")
    op.drop_table("officers")
    op.drop_table("units")
