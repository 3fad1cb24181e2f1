"""Master accounts, their users, their sessions and login attempts (the gateway's own database)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

masters = Table(
    "masters",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

users = Table(
    "users",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), ForeignKey("masters.id"), nullable=False, index=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320)),
    Column("password_hash", String(300), nullable=False),
    Column("is_primary", Boolean, nullable=False, server_default="false"),
    Column("rights", JSONB, nullable=False, server_default="[]"),  # contracts.access.Right values
    Column("scope", JSONB, nullable=False, server_default='{"all_clients": false}'),  # ClientScope
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("deactivated_at", DateTime(timezone=True)),
    Column("totp_secret", String(64)),
    Column("totp_enabled", Boolean, nullable=False, server_default="false"),
    Column("totp_last_step", BigInteger),  # the last accepted TOTP step: never accepted again
    Column("preferences", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_login_at", DateTime(timezone=True)),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("client_ip", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_client_ip_at", "client_ip", "at"),
)

password_links = Table(
    "password_links",
    metadata,
    # a one-time link that sets a user's password: sent when the user is added (or reset)
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column(
        "user_id",
        PgUUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the link's token
    Column("purpose", String(16), nullable=False),  # invitation | reset
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "user_id",
        PgUUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("code_hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("used_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    # append-only: a trigger refuses UPDATE and DELETE (migration gateway_0006)
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("master_account_id", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor_user_id", PgUUID(as_uuid=True)),
    Column("actor_username", String(64)),
    Column("action", String(64), nullable=False),
    Column("target", String(300)),
    Column("details", JSONB, nullable=False, server_default="{}"),
    Column("client_ip", String(64)),
    Index("ix_audit_log_master_at", "master_account_id", "at"),
)

sessions = Table(
    "user_sessions",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column(
        "user_id",
        PgUUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # whether the login (or a later confirmation) used a two-factor code
    Column("second_factor", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)
