"""initial analytics

Revision ID: analytics_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.runtime.runtime_tables import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox()
    op.create_table(
        "contact_states",
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_states")),
    )
    op.create_index(
        "ix_contact_states_master",
        "contact_states",
        ["master_account_id", "removed", "kind", "status"],
        unique=False,
    )


def downgrade() -> None:
    drop_outbox_and_inbox()
    op.drop_index("ix_contact_states_master", table_name="contact_states")
    op.drop_table("contact_states")
