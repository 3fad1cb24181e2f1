"""linked accounts share fee minimums: the links kept, a minimum per fee template

Revision ID: analytics_0008_account_links
Revises: analytics_0007_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0008_account_links"
down_revision: str | Sequence[str] | None = "analytics_0007_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("surviving_account", sa.String(length=32), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "account_number", name=op.f("pk_account_links")),
    )
    op.create_index(
        "ix_account_links_master_account",
        "account_links",
        ["master_account_id", "account_number"],
        unique=False,
    )
    op.add_column(
        "fee_templates",
        sa.Column("minimum", sa.Numeric(precision=20, scale=2), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("fee_templates", "minimum")
    op.drop_index("ix_account_links_master_account", table_name="account_links")
    op.drop_table("account_links")
