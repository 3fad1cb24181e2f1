"""The staging service's tables (its own database): elections, Always-Reject message types, holds
and their history, and the read models kept from other services' events (clients, groups, the
masters' time zones)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

elections = Table(
    "elections",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("effective_at", DateTime(timezone=True), nullable=False),
    Column("changed_by_user_id", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_elections_master", "master_account_id", "effective_at"),
)
"""Every election a master made (append-only): the one in effect is the latest come into effect."""

always_rejects = Table(
    "always_rejects",
    metadata,
    Column("master_account_id", String(32), nullable=False),
    Column("message_type", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("changed_by_user_id", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("master_account_id", "message_type"),
)

holds = Table(
    "holds",
    metadata,
    Column("master_account_id", String(32), nullable=False),
    Column("message_id", String, nullable=False),
    Column("message_type", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("channels", ARRAY(String(1)), nullable=False),
    Column("accounts", ARRAY(String(32)), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    Column("release_reason", String(16)),
    Column("reject_reason", String(16)),
    Column("decided_by_user_id", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("master_account_id", "message_id"),
    Index("ix_holds_due", "deadline", postgresql_where=text("status = 'held'")),
    Index("ix_holds_master_received", "master_account_id", "received_at"),
)
"""One row per broker message flagged for review and master; the release job claims the due
``held`` ones (``FOR UPDATE SKIP LOCKED``), a decision wins only while the row is ``held``."""

hold_history = Table(
    "hold_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("message_id", String, nullable=False),
    Column("action", String(32), nullable=False),
    Column("user_id", String(64)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_hold_history_hold", "master_account_id", "message_id"),
)

clients = Table(
    "clients",
    metadata,
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(201), nullable=False),
    Column("account_number", String(32)),
    Column("closed", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False),
    Index("ix_clients_account", "account_number"),
)
"""Which master owns which account (from contacts' events), and the client's name."""

group_versions = Table(
    "group_versions",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
)
"""Who is in each group now: client scopes naming groups."""

master_zones = Table(
    "master_zones",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("time_zone", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
"""Each master's time zone as the gateway last announced it (UTC until then)."""
