"""contacts' account numbers and group members, to apply a user's client scope

Revision ID: analytics_0003
Revises: analytics_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0003"
down_revision: str | Sequence[str] | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows kept before this revision learn their account number from the contact's next event.
    op.add_column(
        "contact_states", sa.Column("account_number", sa.String(length=32), nullable=True)
    )
    op.create_table(
        "group_versions",
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_versions")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "contact_id", name=op.f("pk_group_members")),
    )


def downgrade() -> None:
    op.drop_table("group_members")
    op.drop_table("group_versions")
    op.drop_column("contact_states", "account_number")
