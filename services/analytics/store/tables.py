"""Read models the analytics service builds from events (its own database)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

contact_states = Table(
    "contact_states",
    metadata,
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16)),
    Column("closed", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Column("account_number", String(32)),
    Index("ix_contact_states_master", "master_account_id", "removed", "kind", "status"),
)

group_versions = Table(
    "group_versions",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
)
"""The version of each group its members are kept at: an older event changes nothing."""

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
)
"""Who is in each group now (the scope's groups are looked up by group id, then contact id)."""

# ---- A1, A2, A3, X6: the account ledger, daily values, activity and the client timeline

account_facts = Table(
    "account_facts",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("title", Text),
    Column("account_type", String(32)),
    Column("stage", String(16)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Each client account's title, type and application stage (from the lifecycle events)."""

ledger = Table(
    "ledger",
    metadata,
    Column("account_number", String(32), primary_key=True),
    Column("transaction_id", Text, primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("booked_on", Date, nullable=False),
    Column("amount", Numeric(20, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", Text),
    Column("status", Text, nullable=False),
    Column("symbol", Text),
    Column("quantity", Numeric(24, 6)),
    Column("counterparty_account", String(32)),
    Column("flow", Numeric(20, 2), nullable=False),
    Index("ix_ledger_master_booked", "master_account_id", "booked_on"),
    Index("ix_ledger_master_symbol", "master_account_id", "symbol", "booked_on"),
)
"""Every transaction of every client account (history, queries, the flows TWR removes)."""

account_days = Table(
    "account_days",
    metadata,
    Column("account_number", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("nav", Numeric(20, 2)),
    Column("flow", Numeric(20, 2), nullable=False, server_default="0"),
    Column("cum_log", Float),
    Index("ix_account_days_master_day", "master_account_id", "day"),
)
"""Per account and day: the reported value (none: only flows), the day's external flows, and
the running log-growth at each reported value (``domain/twr.py``)."""

position_reports = Table(
    "position_reports",
    metadata,
    Column("account_number", String(32), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("symbols", ARRAY(Text), nullable=False),
)
"""The symbols each positions report held (the symbol query's "held in the period")."""

corporate_actions = Table(
    "corporate_actions",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("action_id", Text, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("symbol", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("ex_date", Date, nullable=False),
    Column("election_deadline", Date),
    Column("accounts", ARRAY(Text), nullable=False),
    Column("announced_at", DateTime(timezone=True), nullable=False),
)

corporate_action_elections = Table(
    "corporate_action_elections",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("action_id", Text, primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("election_id", PgUUID(as_uuid=True), nullable=False),
    Column("choice", String(16), nullable=False),
    Column("quantity", BigInteger),
    Column("submitted_by", String(64), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)
"""The newest election per account on a voluntary action (each one is also published)."""

messages_sent = Table(
    "messages_sent",
    metadata,
    Column("message_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("channels", ARRAY(String(1)), nullable=False),
    Column("recipient_count", Integer, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("delivered", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Index("ix_messages_sent_master", "master_account_id", "sent_at"),
)
"""The Messages panel: what the communication center sent, with delivery counts."""

broker_messages = Table(
    "broker_messages",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("message_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("accounts", ARRAY(Text), nullable=False),
)
"""Broker messages' recipient accounts, for the timeline rows of their staging decisions."""

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("entry_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("category", String(16), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("summary", Text, nullable=False),
    Column("contact_id", PgUUID(as_uuid=True)),
    Column("account_number", String(32)),
    Column("item_type", String(16)),
    Column("status", Text),
    Index("ix_timeline_contact", "master_account_id", "contact_id", "occurred_at"),
    Index("ix_timeline_account", "master_account_id", "account_number", "occurred_at"),
    Index("ix_timeline_activity", "master_account_id", "item_type", "occurred_at"),
)
"""The client timeline (X6), and the account activity of the dashboard's panels."""

full_service_requests = Table(
    "full_service_requests",
    metadata,
    Column("request_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("item_type", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_full_service_requests_master", "master_account_id", "changed_at"),
)
"""Each Full Service funding or transfer request as it is now (the highest version of
``contacts.full-service``): Pending Items shows it once, with its status."""

master_zones = Table(
    "master_zones",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("time_zone", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
"""Each master's time zone (``gateway.master_changed``): the dashboard's days are the master's."""
