"""Read models the analytics service builds from events (its own database)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table
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
