"""versions of notes, tasks, calendar events and documents (published with each change)

Revision ID: contacts_0007
Revises: contacts_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0007"
down_revision: str | Sequence[str] | None = "contacts_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("crm_notes", "crm_tasks", "crm_events", "crm_documents")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "version")
