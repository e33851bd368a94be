"""The citizen service's tables (schema `citizen`) and the queries over them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from chassis.key_store import signing_keys_table

metadata = MetaData()

signing_keys = signing_keys_table(metadata)

citizens = Table(
    "citizens",
    metadata,
    Column("citizen_id", String(64), primary_key=True),
    #: keyed digest of the national number: how a citizen is found when signing in
    Column("phone_digest", String(64), nullable=False, unique=True),
    #: to send the citizen their own messages; never shown unmasked
    Column("phone", String(20), nullable=False),
    #: the data service's person, once the citizen proved who they are
    Column("person_id", String(64)),
    Column("name_masked", String(100)),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_sign_in_at", DateTime(timezone=True)),
)

sign_in_codes = Table(
    "sign_in_codes",
    metadata,
    Column("phone_digest", String(64), primary_key=True),
    Column("code_hash", Text),
    Column("expires_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_sent_at", DateTime(timezone=True)),
    Column("window_started_at", DateTime(timezone=True)),
    Column("sent_in_window", Integer, nullable=False, server_default="0"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("recipient", String(200), nullable=False),
    #: erased once delivered when the message is sensitive (a sign-in code)
    Column("body", String(500)),
    Column("sensitive", Boolean, nullable=False, server_default="false"),
    Column("category", String(50), nullable=False),
    Column("sender", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("provider_message_id", String(100)),
    Column("last_error", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
)

sink_messages = Table(
    "sink_messages",
    metadata,
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("channel", String(8), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("body", String(500), nullable=False),
    Column("category", String(50), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
