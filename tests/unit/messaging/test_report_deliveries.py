"""Report deliveries (A10) against an in-memory unit of work: a requested report is recorded once
per delivery id, emailed to the client's email of record with the PDF attached, retried after a
transient failure, and each final outcome announced once; no email of record fails at once."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.reports import ReportDeliveryChanged, ReportDeliveryRequested, ReportDeliveryStatus
from services.messaging.domain.recipients import ClientState, MasterProfile
from services.messaging.service_layer.report_deliveries import (
    NO_EMAIL,
    ReportMailer,
    apply_report_requests,
)
from services.runtime.clock import FrozenClock
from services.runtime.mail import CapturingTransport, MailError
from tests.unit.messaging.fakes_directory import MASTER, FakeDirectoryUnitOfWork, delivered

NOW = datetime.now(UTC) + timedelta(hours=1)  # after the requests arrive
PDF = b"%PDF-1.4 a statement"


class InMemoryReportEmails:
    def __init__(self) -> None:
        self.rows: dict[UUID, dict[str, Any]] = {}

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[UUID]:
        new = {r["delivery_id"] for r in rows if r["delivery_id"] not in self.rows}
        self.rows.update({r["delivery_id"]: dict(r) for r in rows if r["delivery_id"] in new})
        return new

    async def claim_due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        due = [
            r for r in self.rows.values() if r["status"] == "queued" and r["next_attempt_at"] <= now
        ]
        return [dict(r) for r in due[:limit]]

    async def save(self, delivery_id: UUID, **values: Any) -> None:
        self.rows[delivery_id].update(values)


class NoMasters:
    async def get(self, master_account_id: str) -> MasterProfile | None:
        return None


class FakeReportsUnitOfWork(FakeDirectoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.masters = NoMasters()
        self.report_emails = InMemoryReportEmails()


class Database:
    def __init__(self, uow: Any) -> None:
        self.uow = uow

    @asynccontextmanager
    async def transaction(self) -> Any:
        yield self.uow
        await self.uow.commit()


def requested(account: str = "U1234567") -> ReportDeliveryRequested:
    return ReportDeliveryRequested(
        delivery_id=uuid4(), account_number=account, report="statement",
        period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), subject="Activity statement",
        body="Your statement.", filename="statement.pdf", attachment=base64.b64encode(PDF),
    )  # fmt: skip


async def a_client(uow: Any, account: str, email: str | None) -> None:
    await uow.clients.upsert([ClientState(uuid4(), MASTER, 1, "client", "Ada", "Lovelace", None, account,
                                          email, "approved", False)])  # fmt: skip


def outcomes(uow: Any) -> list[ReportDeliveryChanged]:
    return [e for e in uow.published if isinstance(e, ReportDeliveryChanged)]


async def test_a_report_is_emailed_once_with_its_pdf() -> None:
    uow = FakeReportsUnitOfWork()
    await a_client(uow, "U1234567", "ada@example.com")
    event = requested()
    await apply_report_requests([delivered(event)], uow)
    await apply_report_requests([delivered(event)], uow)  # delivered again: the same delivery
    assert len(uow.report_emails.rows) == 1
    mailer = ReportMailer(CapturingTransport(), sender="portal@x.test", poll_seconds=1)
    clock = FrozenClock(NOW)
    assert await mailer.send_due(Database(uow), clock) == 1
    assert await mailer.send_due(Database(uow), clock) == 0
    [message] = mailer.transport.messages  # type: ignore[attr-defined]
    assert message["To"] == "ada@example.com"
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("statement.pdf", PDF)
    [outcome] = outcomes(uow)
    assert (outcome.delivery_id, outcome.status, outcome.attempts) == (
        event.delivery_id,
        ReportDeliveryStatus.SENT,
        1,
    )


async def test_no_email_of_record_fails_at_once() -> None:
    uow = FakeReportsUnitOfWork()
    await a_client(uow, "U7654321", None)
    await apply_report_requests([delivered(requested("U7654321"))], uow)
    [outcome] = outcomes(uow)
    assert (outcome.status, outcome.reason) == (ReportDeliveryStatus.FAILED, NO_EMAIL)


class FailingOnce(CapturingTransport):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def send(self, message: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise MailError("server replied 451", transient=True)
        await super().send(message)


async def test_a_transient_failure_is_tried_again_later() -> None:
    uow = FakeReportsUnitOfWork()
    await a_client(uow, "U1234567", "ada@example.com")
    await apply_report_requests([delivered(requested())], uow)
    mailer = ReportMailer(FailingOnce(), sender="portal@x.test", poll_seconds=1)
    clock = FrozenClock(NOW)
    assert await mailer.send_due(Database(uow), clock) == 1
    assert outcomes(uow) == []  # not final yet
    assert await mailer.send_due(Database(uow), clock) == 0  # waits for its retry
    clock.advance(timedelta(seconds=31))
    assert await mailer.send_due(Database(uow), clock) == 1
    [outcome] = outcomes(uow)
    assert (outcome.status, outcome.attempts) == (ReportDeliveryStatus.SENT, 2)
