"""The linkage service's tables (its own database).

- Read models fed by events, never by another service's database: ``client_accounts`` (the back
  office's profiles and account lifecycle: holder, username, personal information, banking
  instructions, open or not, linked into which account), ``account_contacts`` (contacts' topic:
  which CRM contact an account is), ``group_members`` (CRM records' topic: client scopes naming
  groups) and ``masters`` (the gateway's topic: the master's time zone).
- Linkage's own records: ``link_requests`` (the wizard's state and the Friday batch's work),
  ``devices`` (security devices, replacements, charges), ``access_codes`` (temporary codes and
  online security code cards, hashed), ``code_failures`` (wrong codes, for the rate limit) and
  ``history`` (every step: who, when, what).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

MASTER = String(32)
ACCOUNT = String(32)
WHEN = DateTime(timezone=True)

client_accounts = Table(
    "client_accounts",
    metadata,
    Column("account_number", ACCOUNT, primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("holder_id", String(32)),
    Column("username", String(64)),
    Column("username_active", Boolean, nullable=False, server_default="true"),
    Column("open", Boolean, nullable=False, server_default="false"),
    Column("lifecycle_at", WHEN),
    Column("profile", JSONB, nullable=False, server_default="{}"),
    Column("banking", JSONB, nullable=False, server_default="[]"),
    Column("profile_version", Integer, nullable=False, server_default="0"),
    Column("linked_into", ACCOUNT),
    Index("ix_client_accounts_master_holder", "master_account_id", "holder_id"),
)

account_contacts = Table(
    "account_contacts",
    metadata,
    Column("contact_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("account_number", ACCOUNT),
    Column("version", Integer, nullable=False),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Index("ix_account_contacts_account", "account_number"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("version", Integer, nullable=False),
    Column("contact_ids", ARRAY(PgUUID(as_uuid=True)), nullable=False),
)

masters = Table(
    "masters",
    metadata,
    Column("master_account_id", MASTER, primary_key=True),
    Column("time_zone", String(64), nullable=False),
    Column("changed_at", WHEN, nullable=False),
)

link_requests = Table(
    "link_requests",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("holder_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("step", String(16), nullable=False),
    Column("accounts", ARRAY(String(32)), nullable=False),
    Column("surviving_account", ACCOUNT),
    Column("choices", JSONB, nullable=False),
    Column("profile", JSONB, nullable=False),
    Column("banking_instruction_ids", ARRAY(String(40)), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", WHEN, nullable=False),
    Column("updated_at", WHEN, nullable=False),
    Column("confirmed_at", WHEN),
    Column("execute_after", WHEN),
    Column("executed_at", WHEN),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Index("ix_link_requests_master_status", "master_account_id", "status"),
    Index("ix_link_requests_due", "status", "execute_after"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("account_number", ACCOUNT, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("serial_number", String(24)),
    Column("status", String(16), nullable=False),
    Column("charge_usd", Numeric(8, 2)),
    Column("charge_status", String(24), nullable=False, server_default="none"),
    Column("ship_on", Date),
    Column("ship_method", String(16)),
    Column("shipping_address", String(400)),
    Column("pin_hash", String(64)),
    Column("activate_at", WHEN),
    Column("activated_at", WHEN),
    Column("back_office_request_id", String(40)),
    Column("last_passcode_step", BigInteger),
    Column("created_at", WHEN, nullable=False),
    Column("updated_at", WHEN, nullable=False),
    Index("ix_devices_account", "account_number"),
    Index("ix_devices_serial", "serial_number", unique=True),
    Index("ix_devices_due", "status", "activate_at"),
)

access_codes = Table(
    "access_codes",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("account_number", ACCOUNT, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("code_hashes", ARRAY(String(64)), nullable=False),
    Column("challenge_position", Integer),
    Column("issued_at", WHEN, nullable=False),
    Column("full_until", WHEN),
    Column("restricted_until", WHEN),
    Column("changed_at", WHEN, nullable=False),
    Index("ix_access_codes_account", "account_number", "kind"),
)

code_failures = Table(
    "code_failures",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("account_number", ACCOUNT, nullable=False),
    Column("at", WHEN, nullable=False),
    Index("ix_code_failures_account", "account_number", "at"),
)

history = Table(
    "history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("holder_id", String(32)),
    Column("account_number", ACCOUNT),
    Column("request_id", PgUUID(as_uuid=True)),
    Column("at", WHEN, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_history_master_holder", "master_account_id", "holder_id"),
    Index("ix_history_master_account", "master_account_id", "account_number"),
)
