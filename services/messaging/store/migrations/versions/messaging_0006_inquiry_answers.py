"""the broker's answers to inquiries

Revision ID: messaging_0006
Revises: messaging_0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "messaging_0006"
down_revision: str | Sequence[str] | None = "messaging_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("broker_inquiries", sa.Column("answer", sa.Text(), nullable=True))
    op.add_column(
        "broker_inquiries", sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("broker_inquiries", "answered_at")
    op.drop_column("broker_inquiries", "answer")
