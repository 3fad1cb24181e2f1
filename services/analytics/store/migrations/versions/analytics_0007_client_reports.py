"""client reports

Revision ID: analytics_0007_reports
Revises: analytics_0006_margin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "analytics_0007_reports"
down_revision: str | Sequence[str] | None = "analytics_0006_margin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "benchmark_levels",
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("benchmark_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.PrimaryKeyConstraint(
            "master_account_id", "benchmark_id", "day", name=op.f("pk_benchmark_levels")
        ),
    )
    op.create_table(
        "report_deliveries",
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("report", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sections", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("schedule_id", sa.UUID(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_report_deliveries")),
    )
    op.create_index(
        "ix_report_deliveries_account",
        "report_deliveries",
        ["master_account_id", "account_number", "requested_at"],
        unique=False,
    )
    op.create_table(
        "report_positions",
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("positions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("account_number", "as_of", name=op.f("pk_report_positions")),
    )
    op.create_table(
        "report_schedules",
        sa.Column("schedule_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("report", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("sections", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_report_schedules")),
    )
    op.create_index(
        "ix_report_schedules_account",
        "report_schedules",
        ["master_account_id", "account_number"],
        unique=False,
    )
    op.create_table(
        "statement_runs",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.UUID(), nullable=False),
        sa.Column("target_name", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("sections", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("output", sa.String(length=16), nullable=False),
        sa.Column("accounts", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("result_name", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_statement_runs")),
    )
    op.create_index(
        "ix_statement_runs_master",
        "statement_runs",
        ["master_account_id", "requested_by", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_statement_runs_status", "statement_runs", ["status", "created_at"], unique=False
    )
    op.create_table(
        "report_schedule_periods",
        sa.Column("schedule_id", sa.UUID(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.schedule_id"],
            name=op.f("fk_report_schedule_periods_schedule_id_report_schedules"),
        ),
        sa.PrimaryKeyConstraint(
            "schedule_id", "period_start", name=op.f("pk_report_schedule_periods")
        ),
    )
    op.create_table(
        "statement_run_items",
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("statement", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["statement_runs.run_id"],
            name=op.f("fk_statement_run_items_run_id_statement_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "account_number", name=op.f("pk_statement_run_items")),
    )


def downgrade() -> None:

    op.drop_table("statement_run_items")
    op.drop_table("report_schedule_periods")
    op.drop_index("ix_statement_runs_status", table_name="statement_runs")
    op.drop_index("ix_statement_runs_master", table_name="statement_runs")
    op.drop_table("statement_runs")
    op.drop_index("ix_report_schedules_account", table_name="report_schedules")
    op.drop_table("report_schedules")
    op.drop_table("report_positions")
    op.drop_index("ix_report_deliveries_account", table_name="report_deliveries")
    op.drop_table("report_deliveries")
    op.drop_table("benchmark_levels")
