"""Tables of Open311 service requests, their API keys, and the safety map's opening hours
(schema `citizen`; migration citizen_0005)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.citizen.store import metadata

open311_api_keys = Table(
    "open311_api_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    #: argon2id of the secret half; the key itself is shown once, when issued
    Column("secret_hash", Text, nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

open311_requests = Table(
    "open311_requests",
    metadata,
    Column("service_request_id", UUID(as_uuid=True), primary_key=True),
    Column("service_code", String(32), nullable=False),
    Column("service_name", String(100), nullable=False),
    Column("status", String(8), nullable=False),
    Column("status_notes", String(1000)),
    Column("description", Text),
    Column("agency_responsible", String(200)),
    Column("service_notice", String(500)),
    Column("address", String(300)),
    Column("address_id", String(100)),
    Column("zipcode", String(20)),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("media_url", String(2000)),
    #: the answers to the service's attributes, normalised (never published by Open311)
    Column("attributes", JSONB, nullable=False),
    #: email, phone, names and device of the reporter, for officers' follow-up only
    Column("contact", JSONB, nullable=False),
    Column("account_id", String(200)),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expected_at", DateTime(timezone=True)),
    #: the open request of the same service within 50 m when this one was filed
    Column("duplicate_of", UUID(as_uuid=True)),
    #: which API key filed it (Open311 clients), or which citizen (the citizen app)
    Column("api_key_id", String(16)),
    Column("citizen_id", String(64)),
    Index("open311_requests_open_nearby", "service_code", "status", "lat"),
    Index("open311_requests_requested", "requested_at"),
    Index("open311_requests_citizen", "citizen_id", "requested_at"),
)

safety_map_hours = Table(
    "safety_map_hours",
    metadata,
    #: the data service's place id
    Column("place_id", String(64), primary_key=True),
    Column("opening_hours", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
)
