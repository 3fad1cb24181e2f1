"""margin requirements

Revision ID: analytics_0006_margin
Revises: analytics_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "analytics_0006_margin"
down_revision: str | Sequence[str] | None = "analytics_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "margin_snapshots",
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("margin_type", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cash", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("equity_with_loan_value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("initial_requirement", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("maintenance_requirement", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("excess_liquidity", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("positions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint(
            "master_account_id", "account_number", name=op.f("pk_margin_snapshots")
        ),
    )
    op.create_index(
        "ix_margin_snapshots_deficits",
        "margin_snapshots",
        ["master_account_id", "excess_liquidity"],
        unique=False,
        postgresql_where=sa.text("excess_liquidity < 0"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_margin_snapshots_deficits",
        table_name="margin_snapshots",
        postgresql_where=sa.text("excess_liquidity < 0"),
    )
    op.drop_table("margin_snapshots")
