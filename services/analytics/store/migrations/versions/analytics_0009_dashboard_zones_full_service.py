"""dashboard: masters' time zones, Full Service requests

Revision ID: analytics_0006_dashboard_zones
Revises: analytics_0008_account_links (its id kept from when it was a second head)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0006_dashboard_zones"
down_revision: str | Sequence[str] | None = "analytics_0008_account_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "full_service_requests",
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_full_service_requests")),
    )
    op.create_index(
        "ix_full_service_requests_master",
        "full_service_requests",
        ["master_account_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "master_zones",
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("master_account_id", name=op.f("pk_master_zones")),
    )


def downgrade() -> None:
    op.drop_table("master_zones")
    op.drop_index("ix_full_service_requests_master", table_name="full_service_requests")
    op.drop_table("full_service_requests")
