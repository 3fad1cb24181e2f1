"""outbox rows remember the cluster they were published to

Revision ID: analytics_0002
Revises: analytics_0001
"""

from collections.abc import Sequence

from services.runtime.runtime_tables import add_outbox_published_to, drop_outbox_published_to

revision: str = "analytics_0002"
down_revision: str | Sequence[str] | None = "analytics_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_published_to()


def downgrade() -> None:
    drop_outbox_published_to()
