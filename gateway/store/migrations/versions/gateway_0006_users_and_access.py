"""users and access rights: rights and client scope per user, deactivation, one-time password
links, two-factor recovery codes, an append-only audit log, login attempts by client address

Revision ID: gateway_0006
Revises: gateway_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "gateway_0006"
down_revision: str | Sequence[str] | None = "gateway_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVERY_RIGHT = (
    '["crm", "account_information", "funding_authorizer", "activity_statement", '
    '"portfolio_analyst", "master_account", "communication_center", "message_staging", '
    '"account_linkage", "tools", "fee_administration"]'
)


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "scope",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default='{"all_clients": false}',
            nullable=False,
        ),
    )
    op.add_column("users", sa.Column("active", sa.Boolean(), server_default="true", nullable=False))
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.alter_column("users", "rights", server_default="[]")
    # users from before access rights saw everything: they keep it until the primary user changes it
    op.execute(
        sa.text(
            "UPDATE users SET rights = CAST(:rights AS jsonb), scope = CAST(:scope AS jsonb)"
        ).bindparams(rights=EVERY_RIGHT, scope='{"all_clients": true}')
    )
    op.create_index("ix_login_attempts_client_ip_at", "login_attempts", ["client_ip", "at"])
    op.create_table(
        "password_links",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_links_token_hash")),
    )
    op.create_index(op.f("ix_password_links_user_id"), "password_links", ["user_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("code_hash", sa.String(length=300), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column("actor_username", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_master_at", "audit_log", ["master_account_id", "at"])
    # one statement per execute: asyncpg prepares each, and a prepared statement holds one
    op.execute(
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only';
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index("ix_audit_log_master_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_index(op.f("ix_password_links_user_id"), table_name="password_links")
    op.drop_table("password_links")
    op.drop_index("ix_login_attempts_client_ip_at", table_name="login_attempts")
    op.alter_column("users", "rights", server_default="{}")
    op.drop_column("users", "deactivated_at")
    op.drop_column("users", "active")
    op.drop_column("users", "scope")
