"""Device credentials, decommissioning, heartbeats and uptime.

Revision ID: prevention_0003
Revises: prevention_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prevention_0003"
down_revision = "prevention_0002"
branch_labels = None
depends_on = None

KINDS = ("checkpoint", "camera", "gate", "community_gate", "school_gate")
PROTOCOLS = ("gat1400", "isapi", "grpc", "http")
DIRECTIONS = ("inbound", "outbound", "both", "northbound", "southbound", "eastbound", "westbound")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.drop_constraint("device_kind", "devices", type_="check")
    op.create_check_constraint("device_kind", "devices", _one_of("kind", KINDS))
    op.add_column("devices", sa.Column("vendor", sa.String(64)))
    op.add_column("devices", sa.Column("protocol", sa.String(16)))
    op.add_column("devices", sa.Column("direction", sa.String(16)))
    op.add_column(
        "devices",
        sa.Column("heartbeat_interval_s", sa.Integer, nullable=False, server_default="60"),
    )
    op.create_check_constraint(
        "device_protocol", "devices", f"protocol IS NULL OR {_one_of('protocol', PROTOCOLS)}"
    )
    op.create_check_constraint(
        "device_direction", "devices", f"direction IS NULL OR {_one_of('direction', DIRECTIONS)}"
    )
    op.create_check_constraint(
        "device_heartbeat_interval", "devices", "heartbeat_interval_s BETWEEN 5 AND 3600"
    )

    op.create_table(
        "device_credentials",
        sa.Column(
            "device_id",
            sa.String(64),
            sa.ForeignKey("devices.device_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "device_health",
        sa.Column(
            "device_id",
            sa.String(64),
            sa.ForeignKey("devices.device_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("watched_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True)),
        sa.Column("offline_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offline_since", sa.DateTime(timezone=True)),
        sa.Column("decommissioned_at", sa.DateTime(timezone=True)),
        sa.Column("decommissioned_by", sa.String(64)),
        sa.Column("decommission_reason", sa.String(500)),
    )
    # the monitor's question every few seconds: who has just fallen silent
    op.create_index(
        "device_health_silent",
        "device_health",
        ["offline_after"],
        postgresql_where=sa.text("offline_since IS NULL AND decommissioned_at IS NULL"),
    )
    op.create_table(
        "device_outages",
        sa.Column("outage_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "device_id",
            sa.String(64),
            sa.ForeignKey("devices.device_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="outage_order"),
    )
    op.create_index("device_outages_by_device", "device_outages", ["device_id", "started_at"])
    # one open outage per device: an outage is announced once
    op.create_index(
        "device_outages_open",
        "device_outages",
        ["device_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("device_outages")
    op.drop_table("device_health")
    op.drop_table("device_credentials")
    for name in ("device_heartbeat_interval", "device_direction", "device_protocol"):
        op.drop_constraint(name, "devices", type_="check")
    for column in ("heartbeat_interval_s", "direction", "protocol", "vendor"):
        op.drop_column("devices", column)
    # the older history knew community and school gates only as gates
    op.execute("UPDATE devices SET kind = 'gate' WHERE kind IN ('community_gate', 'school_gate')")
    op.drop_constraint("device_kind", "devices", type_="check")
    op.create_check_constraint("device_kind", "devices", "kind IN ('checkpoint', 'camera', 'gate')")
