"""staging outcomes, masters, users' rights, bounces

Revision ID: messaging_0005
Revises: messaging_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "messaging_0005"
down_revision: str | Sequence[str] | None = "messaging_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "master_users",
        sa.Column("rights", postgresql.ARRAY(sa.String(length=32)), server_default="{}",
                  nullable=False),
    )  # fmt: skip
    op.create_table(
        "masters",
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("master_account_id"),
    )
    op.create_table(
        "staging_outcomes",
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("master_account_id", "message_id"),
    )


def downgrade() -> None:
    op.drop_table("staging_outcomes")
    op.drop_table("masters")
    op.drop_column("master_users", "rights")
