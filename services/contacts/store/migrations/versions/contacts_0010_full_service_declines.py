"""Full Service (C12): who declined or cancelled a held withdrawal, and when

Revision ID: contacts_0010_fs_declines
Revises: contacts_0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0010_fs_declines"
down_revision: str | Sequence[str] | None = "contacts_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("full_service_requests", sa.Column("ended_by", sa.String(64), nullable=True))
    op.add_column(
        "full_service_requests", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("full_service_requests", "ended_at")
    op.drop_column("full_service_requests", "ended_by")
