"""report deliveries

Revision ID: messaging_0007
Revises: messaging_0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "messaging_0007"
down_revision: str | Sequence[str] | None = "messaging_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "report_emails",
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=True),
        sa.Column("email_to", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("attachment", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_report_emails")),
    )
    op.create_index(
        "ix_report_emails_due", "report_emails", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:

    op.drop_index("ix_report_emails_due", table_name="report_emails")
    op.drop_table("report_emails")
