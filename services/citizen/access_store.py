"""Tables of move-my-car requests and correction requests (schema `citizen`)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, String, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from services.citizen.store import metadata

move_requests = Table(
    "move_requests",
    metadata,
    Column("request_id", UUID(as_uuid=True), primary_key=True),
    Column("requester_id", String(64), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("place", String(100), nullable=False),
    Column("photo_ref", String(200)),
    Column("status", String(20), nullable=False),
    Column("owner_response", String(20)),
    #: argon2 hash of the secret half of the owner's reply token (the other half is the id)
    Column("reply_secret_hash", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("notified_at", DateTime(timezone=True)),
    Column("responded_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)

corrections = Table(
    "corrections",
    metadata,
    Column("correction_id", UUID(as_uuid=True), primary_key=True),
    Column("citizen_id", String(64), nullable=False),
    Column("record", String(16), nullable=False),
    Column("plate", String(16)),
    Column("field", String(32), nullable=False),
    Column("requested_value", String(200), nullable=False),
    Column("reason", String(1000), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(64)),
    Column("decision_reason", String(1000)),
)
