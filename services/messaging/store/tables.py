"""The messaging service's tables (its own database).

- Read models fed by events, never by another service's database: ``clients`` (contacts'
  topic), ``client_groups``/``client_group_members`` and ``households``/``household_members``
  (CRM records' topic), ``master_users`` (the gateway's users' topic).
- The communication center's own records: ``templates``, ``brandings``, ``messages`` with their
  ``message_recipients`` (who, frozen at send time), ``deliveries`` (one row per message,
  recipient and channel: the exactly-once key), ``inbox_items`` (the clients' Message Center) and
  ``user_notices`` (a user's own Message Center: reminders, notices).
- Sent By Broker: ``broker_messages`` (one copy per broker message and master) and
  ``broker_inquiries`` (the master's questions about one).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

MASTER = String(32)
NOW = func.now()

# --- read models ------------------------------------------------------------------------------

clients = Table(
    "clients",
    metadata,
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("title", String(200)),
    Column("account_number", String(32)),
    Column("email", String(320)),
    Column("status", String(16)),
    Column("closed", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Column("version", Integer, nullable=False),
    Index("ix_clients_master_account", "master_account_id", "account_number"),
)

client_groups = Table(
    "client_groups",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

client_group_members = Table(
    "client_group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Index("ix_client_group_members_contact", "contact_id"),
)

households = Table(
    "households",
    metadata,
    Column("household_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("head_contact_id", PgUUID(as_uuid=True)),
    Column("dissolved", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)

household_members = Table(
    "household_members",
    metadata,
    Column("household_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Index("ix_household_members_contact", "contact_id"),
)

master_users = Table(
    "master_users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("master_account_id", MASTER, nullable=False, index=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320)),
    Column("active", Boolean, nullable=False),
    Column("email_reminders", Boolean, nullable=False, server_default="false"),
    Column("rights", ARRAY(String(32)), nullable=False, server_default="{}"),
    Column("changed_at", DateTime(timezone=True), nullable=False),  # the latest event's wins
)

masters = Table(
    "masters",
    metadata,
    # the master's name (the master_name variable) and time zone, as the gateway announced them
    Column("master_account_id", MASTER, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# --- templates and branding -----------------------------------------------------------------

templates = Table(
    "templates",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("name", String(200), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by_user_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Index("ix_templates_master_name", "master_account_id", "name"),
)

brandings = Table(
    "brandings",
    metadata,
    Column("master_account_id", MASTER, primary_key=True),
    Column("logo", LargeBinary),
    Column("logo_content_type", String(64)),
    Column("primary_colour", String(7), nullable=False, server_default="#1f3a5f"),
    Column("accent_colour", String(7), nullable=False, server_default="#c8a24a"),
    Column("banner_text", String(200)),
    Column("footer_text", String(2000)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
)

# --- messages and their deliveries ----------------------------------------------------------

messages = Table(
    "messages",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("origin", String(16), nullable=False),  # composed | broker
    Column("idempotency_key", String(128), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),  # the template source as sent
    Column("template_id", PgUUID(as_uuid=True)),
    Column("channels", JSONB, nullable=False),  # ["W", "E", "B"]
    Column("reply_to", String(320)),
    Column("signature", String(2000)),
    Column("with_banner", Boolean, nullable=False, server_default="false"),
    Column("with_footer", Boolean, nullable=False, server_default="false"),
    Column("branding", JSONB),  # the branding as it was at send time
    Column("per_household", Boolean, nullable=False, server_default="false"),
    Column("created_by_user_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("resend_of", PgUUID(as_uuid=True)),
    Column("recipient_count", Integer, nullable=False),
    UniqueConstraint("master_account_id", "idempotency_key"),
    Index("ix_messages_master_created", "master_account_id", "created_at"),
)

message_recipients = Table(
    "message_recipients",
    metadata,
    Column(
        "message_id",
        PgUUID(as_uuid=True),
        ForeignKey("messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("account_number", String(32)),
    Column("name", String(201), nullable=False),
    Column("email", String(320)),
    Column("variables", JSONB, nullable=False),  # the template variables of this recipient
    Column("folded_accounts", JSONB, nullable=False, server_default="[]"),  # X4
)

deliveries = Table(
    "deliveries",
    metadata,
    # one row per message, recipient and channel: inserted once, whatever is replayed
    Column("message_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("channel", String(1), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("status", String(16), nullable=False),  # queued|sent|delivered|failed|bounced
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("reason", String(500)),
    Column("content_sha256", String(64)),
    Column("queued_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Index(
        "ix_deliveries_email_due",
        "next_attempt_at",
        postgresql_where=text("channel = 'E' AND status = 'queued'"),
    ),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("message_id", PgUUID(as_uuid=True), primary_key=True),
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("read_at", DateTime(timezone=True)),
    Index("ix_inbox_items_contact", "contact_id", "created_at"),
)

user_notices = Table(
    "user_notices",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),  # task_due | broker_message | ...
    Column("source_id", String(128), nullable=False),  # what it is about: one notice each
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("read_at", DateTime(timezone=True)),
    # X3: the address a reminder is emailed to (none: not emailed), sent after the commit
    Column("email_to", String(320)),
    Column("emailed_at", DateTime(timezone=True)),
    Column("email_attempts", Integer, nullable=False, server_default="0"),
    UniqueConstraint("user_id", "kind", "source_id"),
    Index("ix_user_notices_user", "user_id", "created_at"),
)

# --- Sent By Broker (M7) -------------------------------------------------------------------------

broker_messages = Table(
    "broker_messages",
    metadata,
    # one copy per broker message and master: the template and that master's recipients only
    Column("message_id", String(64), primary_key=True),
    Column("master_account_id", MASTER, primary_key=True),
    Column("message_type", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("template", Text, nullable=False),
    Column("channels", JSONB, nullable=False),  # ["W", "E", "B"]
    Column("accounts", ARRAY(String(32)), nullable=False),  # the recipients (scope filtering)
    Column("recipients", JSONB, nullable=False),  # [{"account_number", "variables"}]
    Column("review_required", Boolean, nullable=False, server_default="false"),
    Column("refused_reason", String(2000)),  # a template the sandbox refused: not delivered
    Column("delivered_message_id", PgUUID(as_uuid=True)),  # the message delivering it
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("deleted_at", DateTime(timezone=True)),
    Index("ix_broker_messages_master_received", "master_account_id", "received_at"),
)

staging_outcomes = Table(
    "staging_outcomes",
    metadata,
    # what staging decided about a copy that needed review (it may arrive before the copy)
    Column("master_account_id", MASTER, primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # held | released | rejected
    Column("reason", String(32)),
    Column("deadline", DateTime(timezone=True)),
    Column("decided_by_user_id", String(64)),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

broker_inquiries = Table(
    "broker_inquiries",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("broker_message_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("text", String(2000), nullable=False),
    Column("status", String(16), nullable=False),  # open | answered | closed
    Column("answer", Text),  # the broker's
    Column("answered_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=NOW),
    Index("ix_broker_inquiries_message", "master_account_id", "broker_message_id", "created_at"),
)
