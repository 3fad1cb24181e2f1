"""initial staging

Revision ID: staging_0001
Revises:
"""

from collections.abc import Sequence

from services.runtime.runtime_tables import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "staging_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
