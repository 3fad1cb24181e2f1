"""groups, households and their forms, invitations

Revision ID: contacts_0005
Revises: contacts_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0005"
down_revision: str | Sequence[str] | None = "contacts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, default_now: bool = True) -> sa.Column:
    if default_now:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(table: str, column: str, referred: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete=ondelete,
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner_user_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(
        "ix_groups_master_visibility_owner",
        "groups",
        ["master_account_id", "visibility", "owner_user_id"],
    )

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        _timestamp("added_at"),
        _fk("group_members", "group_id", "groups", "CASCADE"),
        _fk("group_members", "contact_id", "contacts", "CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "contact_id", name="pk_group_members"),
    )
    op.create_index("ix_group_members_contact", "group_members", ["contact_id"])

    op.create_table(
        "households",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("head_contact_id", sa.UUID(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        _fk("households", "head_contact_id", "contacts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_index("ix_households_master", "households", ["master_account_id"])

    op.create_table(
        "household_members",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        _fk("household_members", "household_id", "households", "CASCADE"),
        _fk("household_members", "contact_id", "contacts", "CASCADE"),
        sa.PrimaryKeyConstraint("household_id", "contact_id", name="pk_household_members"),
        sa.UniqueConstraint("contact_id", name="uq_household_members_contact_id"),
    )

    op.create_table(
        "household_forms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("household_version", sa.Integer(), nullable=False),
        _timestamp("generated_at", default_now=False),
        sa.Column("generated_by", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        _fk("household_forms", "household_id", "households", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_forms")),
        sa.UniqueConstraint("household_id", "version", name="uq_household_forms_household_version"),
    )

    op.create_table(
        "invitations",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("account_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("recipient_name", sa.String(length=201), nullable=False),
        sa.Column("advisor_name", sa.String(length=200), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _timestamp("created_at", default_now=False),
        _timestamp("expires_at", default_now=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=True),
        _fk("invitations", "contact_id", "contacts", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index(
        "ix_invitations_master_contact",
        "invitations",
        ["master_account_id", "contact_id", "created_at"],
    )
    op.create_index("uq_invitations_token_hash", "invitations", ["token_hash"], unique=True)
    op.create_index(
        "ix_invitations_due",
        "invitations",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending_send'"),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("household_forms")
    op.drop_table("household_members")
    op.drop_table("households")
    op.drop_table("group_members")
    op.drop_table("groups")
