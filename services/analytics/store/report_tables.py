"""Tables of client reports (A10), in analytics' metadata: the positions and benchmark levels
they read (besides the ledger and daily values of ``store/tables.py`` and the invoices of
``store/tools_tables.py``), each delivery and schedule, the periods schedules delivered, and the
statements built in the background for a group or segment."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.analytics.store.tables import metadata

report_positions = Table(
    "report_positions",
    metadata,
    Column("account_number", String(32), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("positions", JSONB, nullable=False),
)
"""Each positions report: symbol, quantity and market value (the statement's open positions)."""

benchmark_levels = Table(
    "benchmark_levels",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("benchmark_id", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Numeric(18, 6), nullable=False),
)

report_schedules = Table(
    "report_schedules",
    metadata,
    Column("schedule_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("report", String(16), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("sections", ARRAY(Text), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True)),
    Index("ix_report_schedules_account", "master_account_id", "account_number"),
)
"""Deliveries a master set up for a client: every month or quarter, from ``starts_on`` on."""

report_schedule_periods = Table(
    "report_schedule_periods",
    metadata,
    Column(
        "schedule_id",
        PgUUID(as_uuid=True),
        ForeignKey("report_schedules.schedule_id"),
        primary_key=True,
    ),
    Column("period_start", Date, primary_key=True),
    Column("delivery_id", PgUUID(as_uuid=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)
"""One row per schedule and period, claimed in the transaction that publishes its delivery: a
period is delivered once, whatever restarts or replicas."""

report_deliveries = Table(
    "report_deliveries",
    metadata,
    Column("delivery_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("report", String(16), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("sections", ARRAY(Text), nullable=False),
    Column("schedule_id", PgUUID(as_uuid=True)),
    Column("requested_by", String(64)),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_report_deliveries_account", "master_account_id", "account_number", "requested_at"),
)
"""Each report delivery and its outcome (requested, then sent or failed from messaging)."""

statement_runs = Table(
    "statement_runs",
    metadata,
    Column("run_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("target_kind", String(16), nullable=False),
    Column("target_id", PgUUID(as_uuid=True), nullable=False),
    Column("target_name", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("sections", ARRAY(Text), nullable=False),
    Column("output", String(16), nullable=False),
    Column("accounts", ARRAY(Text), nullable=False),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("result", LargeBinary),
    Column("result_name", Text),
    Column("reason", Text),
    Index("ix_statement_runs_master", "master_account_id", "requested_by", "created_at"),
    Index("ix_statement_runs_status", "status", "created_at"),
)
"""Statements of a whole group or segment, built in the background (n of m), then one file."""

statement_run_items = Table(
    "statement_run_items",
    metadata,
    Column("run_id", PgUUID(as_uuid=True), ForeignKey("statement_runs.run_id"), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("statement", JSONB, nullable=False),
)
