"""Tables the chassis keeps in every service's schema: outbox, inbox, idempotency.

Tables are unqualified: each service's connections set `search_path` to its own schema, so a
service cannot reach another service's tables by accident.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

chassis_metadata = MetaData()

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_UNROUTABLE = "unroutable"

outbox = Table(
    "outbox",
    chassis_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    # the whole envelope as JSON bytes; the column is lz4-compressed (pglz costs far more CPU)
    Column("envelope", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False, server_default=OUTBOX_PENDING),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
)

inbox = Table(
    "inbox",
    chassis_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency = Table(
    "idempotency",
    chassis_metadata,
    Column("operation", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("result", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

__all__ = ["chassis_metadata", "idempotency", "inbox", "outbox"]
