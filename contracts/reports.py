"""Events of client reports (A10).

- ``market.benchmark_level_reported``: a benchmark index's closing level for a business day
  (external market data, on ``market.benchmarks``; the simulator publishes one per master, the
  master's benchmark for its performance reports);
- ``analytics.report_delivery_requested``: analytics asks the communication center to email a
  report (an activity statement or a performance report, attached as a PDF) to the client's
  email of record, now or for a schedule's period (on ``analytics.report-deliveries``);
- ``messaging.report_delivery_changed``: the communication center sent that email or gave up on
  it, with the reason (on ``messaging.report-deliveries``); analytics records each outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Base64Bytes, Field

from contracts.envelope import Envelope, Event

ATTACHMENT_MAX_BYTES = 512 * 1024
"""The largest report a delivery carries (base64 in the event: well under the broker's limit)."""
ATTACHMENT_MAX_BASE64 = 4 * -(-ATTACHMENT_MAX_BYTES // 3)


class ReportKind(StrEnum):
    STATEMENT = "statement"  # the activity statement (custom sections)
    PERFORMANCE = "performance"  # the PortfolioAnalyst-style performance report


class BenchmarkLevelReported(Event):
    """A benchmark index's closing level on a business day."""

    type: Literal["market.benchmark_level_reported"] = "market.benchmark_level_reported"
    benchmark_id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    as_of: date
    level: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6)]

    def partition_key(self) -> str:
        return self.benchmark_id


class ReportDeliveryRequested(Event):
    """Email ``attachment`` to the email of record of ``account_number``'s client, once."""

    type: Literal["analytics.report_delivery_requested"] = "analytics.report_delivery_requested"
    delivery_id: UUID
    account_number: str = Field(min_length=1, max_length=32)
    report: ReportKind
    period_start: date
    period_end: date
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(max_length=4000)
    filename: str = Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")
    content_type: Literal["application/pdf", "text/csv"] = "application/pdf"
    attachment: Base64Bytes = Field(
        max_length=ATTACHMENT_MAX_BASE64, description="the file, base64 (built from base64 too)"
    )
    schedule_id: UUID | None = None
    requested_by_user_id: str | None = Field(default=None, max_length=64)

    def partition_key(self) -> str:
        return str(self.delivery_id)


class ReportDeliveryStatus(StrEnum):
    SENT = "sent"  # handed to the mail server
    FAILED = "failed"  # given up, with the reason


class ReportDeliveryChanged(Event):
    """The outcome of one report delivery (published once it is final)."""

    type: Literal["messaging.report_delivery_changed"] = "messaging.report_delivery_changed"
    delivery_id: UUID
    account_number: str = Field(min_length=1, max_length=32)
    status: ReportDeliveryStatus
    reason: str | None = Field(default=None, max_length=500)
    attempts: int = Field(default=1, ge=0)
    at: datetime

    def partition_key(self) -> str:
        return str(self.delivery_id)


BenchmarkEnvelope = Envelope[BenchmarkLevelReported]
ReportDeliveryEnvelope = Envelope[ReportDeliveryRequested]
ReportOutcomeEnvelope = Envelope[ReportDeliveryChanged]
