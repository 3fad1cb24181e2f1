"""pending registration tasks and creator on contacts

Revision ID: contacts_0002
Revises: contacts_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "contacts_0002"
down_revision: str | Sequence[str] | None = "contacts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column(
            "pending_tasks",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )
    op.add_column("contacts", sa.Column("created_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("contacts", "created_by")
    op.drop_column("contacts", "pending_tasks")
