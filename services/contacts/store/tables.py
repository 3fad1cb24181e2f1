"""The contacts service's tables (its own database; nobody else reads them)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.runtime.db import service_metadata

metadata = service_metadata()

SEARCH_EXPRESSION = (
    "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || "
    "coalesce(email, '') || ' ' || coalesce(username, '') || ' ' || coalesce(account_number, ''))"
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(200)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("username", String(64)),
    Column("account_number", String(12)),
    Column("account_type", String(32)),
    Column("status", String(16)),
    Column("status_changed_at", DateTime(timezone=True)),
    Column("net_asset_value", Numeric(18, 2)),
    Column("closed", Boolean, nullable=False, server_default="false"),
    Column("profile", JSONB, nullable=False, server_default="{}"),
    Column("pending_tasks", JSONB, nullable=False, server_default="[]"),
    Column("created_by", String(64)),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("search_text", Text, Computed(SEARCH_EXPRESSION, persisted=True)),
    UniqueConstraint("master_account_id", "account_number", name="uq_contacts_master_account"),
    Index("ix_contacts_master_kind_status", "master_account_id", "kind", "status"),
    Index(
        "ix_contacts_search_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

Index("ix_contacts_master_email", contacts.c.master_account_id, func.lower(contacts.c.email))

SORT_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "id"),
    "contact": ("last_name", "first_name", "id"),
    "type": ("kind", "last_name", "first_name", "id"),
    "account_type": ("account_type", "last_name", "first_name", "id"),
    "account_number": ("account_number", "id"),
    "status": ("status", "last_name", "first_name", "id"),
    "username": ("username", "id"),
    "email": ("email", "id"),
    "phone": ("phone", "id"),
    "net_asset_value": ("net_asset_value", "id"),
    "created_at": ("created_at", "id"),
}
"""The ORDER BY of each sortable column of the table: the column, then ties broken so that paging
is stable. One index per sort, led by the master, serves the sort in both directions (C1/C2)."""

for _sort, _keys in SORT_KEYS.items():
    Index(
        f"ix_contacts_sort_{_sort}", contacts.c.master_account_id, *(contacts.c[k] for k in _keys)
    )

Index(
    "ix_contacts_master_pending_tasks",
    contacts.c.master_account_id,
    postgresql_where=contacts.c.pending_tasks != text("'[]'::jsonb"),
)

contact_changes = Table(
    "contact_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("master_account_id", String(32), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("action", String(32), nullable=False),
    Column("changes", JSONB, nullable=False),
)

# --- Full Service program (C12): enrolments and the requests sent on a client's behalf ------

full_service_enrolments = Table(
    "full_service_enrolments",
    metadata,
    Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(12)),
    Column("status", String(16), nullable=False),
    Column("form_document_id", PgUUID(as_uuid=True), nullable=False),
    Column("form_filename", String(255), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", String(500)),
    Column("version", Integer, nullable=False),
    Index("ix_full_service_enrolments_master", "master_account_id", "status"),
)

full_service_requests = Table(
    "full_service_requests",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_number", String(12), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("instruction", JSONB, nullable=False),
    Column("status", String(32), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_by", String(64)),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("reason", String(500)),
    Column("version", Integer, nullable=False),
    Column("ended_by", String(64)),  # who declined or cancelled a held withdrawal
    Column("ended_at", DateTime(timezone=True)),
    UniqueConstraint("master_account_id", "idempotency_key", name="uq_full_service_requests_key"),
    Index("ix_full_service_requests_contact", "master_account_id", "contact_id", "requested_at"),
    Index(
        "ix_full_service_requests_awaiting",
        "master_account_id",
        "requested_at",
        postgresql_where=text("status = 'awaiting_confirmation'"),
    ),
)
