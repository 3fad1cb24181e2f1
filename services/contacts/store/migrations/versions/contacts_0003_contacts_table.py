"""contacts table: one index per sort led by the master; pending registration tasks

Revision ID: contacts_0003
Revises: contacts_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0003"
down_revision: str | Sequence[str] | None = "contacts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_KEYS = {
    "title": ("title", "id"),
    "contact": ("last_name", "first_name", "id"),
    "type": ("kind", "last_name", "first_name", "id"),
    "account_type": ("account_type", "last_name", "first_name", "id"),
    "account_number": ("account_number", "id"),
    "status": ("status", "last_name", "first_name", "id"),
    "username": ("username", "id"),
    "email": ("email", "id"),
    "phone": ("phone", "id"),
    "net_asset_value": ("net_asset_value", "id"),
    "created_at": ("created_at", "id"),
}


def upgrade() -> None:
    op.drop_index("ix_contacts_master_name", table_name="contacts")
    for sort, keys in SORT_KEYS.items():
        op.create_index(f"ix_contacts_sort_{sort}", "contacts", ["master_account_id", *keys])
    op.create_index(
        "ix_contacts_master_pending_tasks",
        "contacts",
        ["master_account_id"],
        postgresql_where=sa.text("pending_tasks != '[]'::jsonb"),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_master_pending_tasks", table_name="contacts")
    for sort in SORT_KEYS:
        op.drop_index(f"ix_contacts_sort_{sort}", table_name="contacts")
    op.create_index(
        "ix_contacts_master_name", "contacts", ["master_account_id", "last_name", "first_name"]
    )
