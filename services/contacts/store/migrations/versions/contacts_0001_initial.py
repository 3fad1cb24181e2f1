"""initial contacts

Revision ID: contacts_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.runtime.runtime_tables import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "contacts_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox()
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "contacts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("account_number", sa.String(length=12), nullable=True),
        sa.Column("account_type", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("net_asset_value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("closed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "profile", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed(
                "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(username, '') || ' ' || coalesce(account_number, ''))",
                persisted=True,
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "master_account_id", "account_number", name="uq_contacts_master_account"
        ),
    )
    op.create_index(
        "ix_contacts_master_email",
        "contacts",
        ["master_account_id", sa.literal_column("lower(email)")],
        unique=False,
    )
    op.create_index(
        "ix_contacts_master_kind_status",
        "contacts",
        ["master_account_id", "kind", "status"],
        unique=False,
    )
    op.create_index(
        "ix_contacts_master_name",
        "contacts",
        ["master_account_id", "last_name", "first_name"],
        unique=False,
    )
    op.create_index(
        "ix_contacts_search_trgm",
        "contacts",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_table(
        "contact_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_changes_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_changes")),
    )
    op.create_index(
        op.f("ix_contact_changes_contact_id"), "contact_changes", ["contact_id"], unique=False
    )


def downgrade() -> None:
    drop_outbox_and_inbox()
    op.drop_index(op.f("ix_contact_changes_contact_id"), table_name="contact_changes")
    op.drop_table("contact_changes")
    op.drop_index(
        "ix_contacts_search_trgm",
        table_name="contacts",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index("ix_contacts_master_name", table_name="contacts")
    op.drop_index("ix_contacts_master_kind_status", table_name="contacts")
    op.drop_index("ix_contacts_master_email", table_name="contacts")
    op.drop_table("contacts")
