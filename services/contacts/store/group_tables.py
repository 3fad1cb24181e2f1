"""The tables of groups and their members (read by the groups' queries and by the access
rights' scope, ``scope.py``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.contacts.store.tables import metadata

groups = Table(
    "groups",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_groups_master_visibility_owner", "master_account_id", "visibility", "owner_user_id"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), ForeignKey("groups.id", ondelete="CASCADE")),
    Column("contact_id", PgUUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE")),
    Column("master_account_id", String(32), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("group_id", "contact_id", name="pk_group_members"),
    Index("ix_group_members_contact", "contact_id"),
)
