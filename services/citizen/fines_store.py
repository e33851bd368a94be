"""Tables of traffic fines, payments, receipts, appeals and the SandboxPay sandbox (schema
`citizen`); their migration is `migrations/versions/0004_fines.py`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from services.citizen.store import metadata

fines = Table(
    "fines",
    metadata,
    Column("fine_id", UUID(as_uuid=True), primary_key=True),
    Column("plate", String(16), nullable=False),
    #: keyed digest of the VIN's last six characters (the second factor); never the VIN
    Column("vin_digest", String(64)),
    Column("violation", String(200), nullable=False),
    Column("violation_code", String(8)),
    Column("amount_fen", BigInteger, nullable=False),
    Column("place", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", String(64), nullable=False),
    #: the issuing officer's unit subtree: who may decide appeals
    Column("unit_path", String(400), nullable=False),
    Column("status", String(12), nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_fen > 0", name="fines_amount_positive"),
    Index("fines_plate", "plate", "issued_at"),
)

#: plates a citizen proved they hold the papers of: bound (kept) or looked up (for a while)
fine_vehicle_access = Table(
    "fine_vehicle_access",
    metadata,
    Column("citizen_id", String(64), primary_key=True),
    Column("plate", String(16), primary_key=True),
    Column("proven_at", DateTime(timezone=True), nullable=False),
    #: null while bound; a lookup's access ends at this time
    Column("expires_at", DateTime(timezone=True)),
    Index("fine_vehicle_access_plate", "plate"),
)

fine_lookup_budgets = Table(
    "fine_lookup_budgets",
    metadata,
    Column("citizen_id", String(64), primary_key=True),
    Column("window_started_at", DateTime(timezone=True)),
    Column("used", Integer, nullable=False, server_default="0"),
)

fine_payments = Table(
    "fine_payments",
    metadata,
    Column("payment_id", UUID(as_uuid=True), primary_key=True),
    Column("fine_id", UUID(as_uuid=True), ForeignKey("fines.fine_id"), nullable=False),
    Column("citizen_id", String(64), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("provider_payment_id", String(100), nullable=False, unique=True),
    Column("redirect_url", String(500), nullable=False),
    Column("return_url", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    # at most one payment of a fine is waiting for its customer at any time
    Index(
        "fine_payments_one_pending",
        "fine_id",
        unique=True,
        postgresql_where=text("status = 'pending'"),
    ),
)

#: each provider notification applied, by the provider's event id: a repeat changes nothing
payment_notifications = Table(
    "payment_notifications",
    metadata,
    Column("provider", String(32), primary_key=True),
    Column("event_id", String(100), primary_key=True),
    Column("provider_payment_id", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

fine_receipts = Table(
    "fine_receipts",
    metadata,
    Column("receipt_no", String(32), primary_key=True),
    Column("fine_id", UUID(as_uuid=True), ForeignKey("fines.fine_id"), nullable=False, unique=True),
    Column("payment_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=False),
)

fine_appeals = Table(
    "fine_appeals",
    metadata,
    Column("appeal_id", UUID(as_uuid=True), primary_key=True),
    Column("fine_id", UUID(as_uuid=True), ForeignKey("fines.fine_id"), nullable=False),
    Column("citizen_id", String(64), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("status", String(12), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("decision", String(12)),
    Column("decision_reason", String(1000)),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Index("fine_appeals_fine", "fine_id", "submitted_at"),
    Index(
        "fine_appeals_open",
        "submitted_at",
        "appeal_id",
        postgresql_where=text("status = 'submitted'"),
    ),
    Index(
        "fine_appeals_one_open",
        "fine_id",
        unique=True,
        postgresql_where=text("status = 'submitted'"),
    ),
)

#: SandboxPay (sandbox: no money moves): each charge it would make, so that tests and
#: developers see exactly what a real provider would have been asked to do
sandbox_charges = Table(
    "sandbox_charges",
    metadata,
    Column("provider_payment_id", String(100), primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("reference", String(100), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("return_url", String(500), nullable=False),
    #: created (the hosted page waits), charged or declined
    Column("status", String(12), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    #: the signed notification as sent, so a redelivery is byte for byte the same
    Column("notification_body", Text),
)
