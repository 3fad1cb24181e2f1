"""notes, tasks/workflows, calendar events and documents of contacts

Revision ID: contacts_0004
Revises: contacts_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0004"
down_revision: str | Sequence[str] | None = "contacts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _contact_id() -> sa.Column:
    return sa.Column("contact_id", sa.UUID(), nullable=False)


def _contact_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["contact_id"],
        ["contacts.id"],
        name=op.f(f"fk_{table}_contact_id_contacts"),
        ondelete="CASCADE",
    )


def _timestamp(name: str) -> sa.Column:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "crm_notes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        _contact_id(),
        sa.Column("author_user_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _contact_fk("crm_notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_notes")),
    )
    op.create_index(
        "ix_crm_notes_master_contact",
        "crm_notes",
        ["master_account_id", "contact_id", "created_at"],
    )
    op.create_index("ix_crm_notes_master_created", "crm_notes", ["master_account_id", "created_at"])

    op.create_table(
        "crm_tasks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        _contact_id(),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("assignee_user_id", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_reminder", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _contact_fk("crm_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_tasks")),
    )
    op.create_index("ix_crm_tasks_master_contact", "crm_tasks", ["master_account_id", "contact_id"])
    op.create_index("ix_crm_tasks_master_due", "crm_tasks", ["master_account_id", "due_at"])
    op.create_index(
        "ix_crm_tasks_reminder_due",
        "crm_tasks",
        ["due_at"],
        postgresql_where=sa.text(
            "reminded_at IS NULL AND due_at IS NOT NULL AND status IN ('open', 'in_progress')"
        ),
    )

    op.create_table(
        "crm_events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        _contact_id(),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _contact_fk("crm_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_events")),
    )
    op.create_index("ix_crm_events_master_starts", "crm_events", ["master_account_id", "starts_at"])
    op.create_index(
        "ix_crm_events_master_contact",
        "crm_events",
        ["master_account_id", "contact_id", "starts_at"],
    )

    op.create_table(
        "crm_documents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        _contact_id(),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _contact_fk("crm_documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_documents")),
    )
    op.create_index(
        "ix_crm_documents_master_contact",
        "crm_documents",
        ["master_account_id", "contact_id", "created_at"],
    )
    op.create_index(
        "ix_crm_documents_master_created", "crm_documents", ["master_account_id", "created_at"]
    )

    op.create_table(
        "crm_document_contents",
        sa.Column("document_id", sa.UUID(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["crm_documents.id"],
            name=op.f("fk_crm_document_contents_document_id_crm_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_crm_document_contents")),
    )


def downgrade() -> None:
    op.drop_table("crm_document_contents")
    op.drop_table("crm_documents")
    op.drop_table("crm_events")
    op.drop_table("crm_tasks")
    op.drop_table("crm_notes")
