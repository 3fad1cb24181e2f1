"""Tables of the analytical tools (A4-A8) and fee administration (A9), in analytics' metadata.

``segment_facts`` is the account data queries' read model: one row per client account, each
column a field of ``domain/segments.py``, fed by several event families that each write their own
columns under their own version (contacts: ``contact_version``; the holder's profile:
``profile_version``; the investor profile: ``investor_as_of``). The year-end balances and
withdrawals (RMD) and the average values and trades (fees) are read from the ledger and daily
values that the dashboard's read models keep (``store/tables.py``)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from services.analytics.store.tables import metadata

segment_facts = Table(
    "segment_facts",
    metadata,
    Column("account_number", String(32), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("contact_id", PgUUID(as_uuid=True)),
    Column("contact_version", Integer, nullable=False, server_default="0"),
    Column("profile_version", Integer, nullable=False, server_default="0"),
    Column("investor_as_of", Date),
    # contact
    Column("title", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("has_email", Boolean),
    Column("has_phone", Boolean),
    Column("has_username", Boolean),
    Column("account_type", String(32)),
    Column("status", String(16)),
    Column("closed", Boolean),
    Column("net_asset_value", Numeric(20, 2)),
    Column("last_nav_on", Date),
    Column("opened_on", Date),
    Column("closed_on", Date),
    # holder profile (accounts.profiles)
    Column("date_of_birth", Date),
    Column("country", String(2)),
    Column("state_province", Text),
    Column("city", Text),
    # investor profile (accounts.investor-profiles)
    Column("application_type", Text),
    Column("margin_type", Text),
    Column("base_currency", String(3)),
    Column("trading_permissions", ARRAY(Text)),
    Column("citizenship", String(2)),
    Column("tax_residence", String(2)),
    Column("language", String(2)),
    Column("marital_status", Text),
    Column("dependents", Integer),
    Column("spouse_date_of_birth", Date),
    Column("spouse_sole_beneficiary", Boolean),
    Column("employment_status", Text),
    Column("occupation", Text),
    Column("annual_net_income", Numeric(20, 2)),
    Column("net_worth", Numeric(20, 2)),
    Column("liquid_net_worth", Numeric(20, 2)),
    Column("source_of_funds", ARRAY(Text)),
    Column("investment_objectives", ARRAY(Text)),
    Column("risk_tolerance", Text),
    Column("time_horizon", Text),
    Column("stock_experience_years", Integer),
    Column("options_experience_years", Integer),
    Column("futures_experience_years", Integer),
    Column("professional", Boolean),
    # the tools' own results
    Column("risk_score", Numeric(6, 2)),
    Column("esg_values", ARRAY(Text)),
    Index("ix_segment_facts_master", "master_account_id", "account_number"),
)

segments = Table(
    "segments",
    metadata,
    Column("segment_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("criteria", JSONB, nullable=False),
    Column("match", String(3), nullable=False),
    Column("version", Integer, nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Index("ix_segments_master", "master_account_id", "deleted"),
)

risk_settings = Table(
    "risk_settings",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("scale_low", Integer, nullable=False),
    Column("scale_high", Integer, nullable=False),
    Column("overrides", JSONB, nullable=False),
)

risk_answers = Table(
    "risk_answers",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("answers", JSONB, nullable=False),
    Column("score", Numeric(6, 2), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
)

goals = Table(
    "goals",
    metadata,
    Column("goal_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("inputs", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_goals_master", "master_account_id", "account_number"),
)

esg_invitations = Table(
    "esg_invitations",
    metadata,
    Column("invitation_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("impact_values", ARRAY(Text), nullable=False, server_default="{}"),
    Index("ix_esg_invitations_master", "master_account_id", "account_number"),
)

fee_templates = Table(
    "fee_templates",
    metadata,
    Column("template_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("tiers", JSONB, nullable=False),
    Column("amount", Numeric(20, 2), nullable=False),
    Column("minimum", Numeric(20, 2), nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_fee_templates_master", "master_account_id"),
)

client_fees = Table(
    "client_fees",
    metadata,
    Column("master_account_id", String(32), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("template_id", PgUUID(as_uuid=True), nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("invoice_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("number", Text, nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("template_name", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("total", Numeric(20, 2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "master_account_id",
        "account_number",
        "period_start",
        "period_end",
        name="uq_invoices_period",
    ),
)

reimbursements = Table(
    "reimbursements",
    metadata,
    Column("reimbursement_id", PgUUID(as_uuid=True), primary_key=True),
    Column("invoice_id", PgUUID(as_uuid=True), nullable=False, index=True),
    Column("master_account_id", String(32), nullable=False),
    Column("amount", Numeric(20, 2), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)
