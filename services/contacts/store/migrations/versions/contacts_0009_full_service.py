"""Full Service program (C12): enrolments and the requests sent on a client's behalf

Revision ID: contacts_0009
Revises: contacts_0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "contacts_0009"
down_revision: str | Sequence[str] | None = "contacts_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "full_service_enrolments",
        sa.Column("contact_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("master_account_id", sa.String(32), nullable=False),
        sa.Column("account_number", sa.String(12)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("form_document_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("form_filename", sa.String(255), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.String(500)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    op.create_index(
        "ix_full_service_enrolments_master",
        "full_service_enrolments",
        ["master_account_id", "status"],
    )
    op.create_table(
        "full_service_requests",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("master_account_id", sa.String(32), nullable=False),
        sa.Column("contact_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("account_number", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("instruction", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(64)),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.String(500)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "master_account_id", "idempotency_key", name="uq_full_service_requests_key"
        ),
    )
    op.create_index(
        "ix_full_service_requests_contact",
        "full_service_requests",
        ["master_account_id", "contact_id", "requested_at"],
    )
    op.create_index(
        "ix_full_service_requests_awaiting",
        "full_service_requests",
        ["master_account_id", "requested_at"],
        postgresql_where=sa.text("status = 'awaiting_confirmation'"),
    )


def downgrade() -> None:
    op.drop_table("full_service_requests")
    op.drop_table("full_service_enrolments")
