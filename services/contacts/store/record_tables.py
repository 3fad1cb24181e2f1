"""The tables of the CRM records: notes, tasks/workflows, calendar events and documents of
contacts, and the bytes of documents kept in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.contacts.store.tables import contacts, metadata


def _contact_column() -> Column[Any]:
    return Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
    )


def _version() -> Column[Any]:
    """How many times the record changed (published with each change)."""
    return Column("version", Integer, nullable=False, server_default="1")


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


crm_notes = Table(
    "crm_notes",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("author_user_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    _version(),
    *_timestamps(),
    Index("ix_crm_notes_master_contact", "master_account_id", "contact_id", "created_at"),
    Index("ix_crm_notes_master_created", "master_account_id", "created_at"),
)

crm_tasks = Table(
    "crm_tasks",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("assignee_user_id", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("email_reminder", Boolean, nullable=False, server_default="false"),
    Column("reminded_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    _version(),
    *_timestamps(),
    Index("ix_crm_tasks_master_contact", "master_account_id", "contact_id"),
    Index("ix_crm_tasks_master_due", "master_account_id", "due_at"),
    # what the reminder job scans: only tasks still waiting for their reminder
    Index(
        "ix_crm_tasks_reminder_due",
        "due_at",
        postgresql_where=text(
            "reminded_at IS NULL AND due_at IS NOT NULL AND status IN ('open', 'in_progress')"
        ),
    ),
)

crm_events = Table(
    "crm_events",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("title", String(200), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("location", String(200)),
    Column("notes", Text),
    Column("created_by", String(64), nullable=False),
    _version(),
    *_timestamps(),
    Index("ix_crm_events_master_starts", "master_account_id", "starts_at"),
    Index("ix_crm_events_master_contact", "master_account_id", "contact_id", "starts_at"),
)

crm_documents = Table(
    "crm_documents",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage", String(16), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    _version(),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_crm_documents_master_contact", "master_account_id", "contact_id", "created_at"),
    Index("ix_crm_documents_master_created", "master_account_id", "created_at"),
)

# The bytes live apart from the row so that listing documents never reads them.
crm_document_contents = Table(
    "crm_document_contents",
    metadata,
    Column(
        "document_id",
        PgUUID(as_uuid=True),
        ForeignKey("crm_documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("content", LargeBinary, nullable=False),
)

CONTACT_NAME = (contacts.c.first_name + " " + contacts.c.last_name).label("contact_name")
