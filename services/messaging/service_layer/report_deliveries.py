"""Report deliveries (A10): analytics asks for a client report to be emailed to the client's
email of record (``analytics.report_delivery_requested``); the communication center records it
once per delivery id, sends it through its email channel with the report attached, tries a
transient failure again later (each wait twice the one before, up to the attempts allowed) and
publishes the final outcome (``messaging.report_delivery_changed``) in the transaction that
records it. The email of record is the one messaging knows for the open client account; a
closed account or one without an email fails at once, with that reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol
from uuid import UUID

import structlog

from contracts import topics
from contracts.access import ClientScope
from contracts.reports import ReportDeliveryChanged, ReportDeliveryRequested, ReportDeliveryStatus
from services.messaging.domain.recipients import MasterProfile, Recipient
from services.messaging.service_layer.unit_of_work import Clients
from services.runtime.clock import Clock
from services.runtime.consumers import Delivery
from services.runtime.db import EventPublisher
from services.runtime.jobs import repeat
from services.runtime.mail import MailError, MailTransport
from services.runtime.mail_headers import MASTER_HEADER
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
EMAILS_PER_PASS = 20
NO_EMAIL = "no email address of record (or the client account is closed)"


class ReportEmails(Protocol):
    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[UUID]: ...

    async def claim_due(self, now: datetime, limit: int) -> list[dict[str, Any]]: ...

    async def save(self, delivery_id: UUID, **values: Any) -> None: ...


class MasterNames(Protocol):
    async def get(self, master_account_id: str) -> MasterProfile | None: ...


class ReportDeliveryUnitOfWork(EventPublisher, Protocol):
    @property
    def clients(self) -> Clients: ...

    @property
    def masters(self) -> MasterNames: ...

    @property
    def report_emails(self) -> ReportEmails: ...


def _outcome(
    row: dict[str, Any], status: ReportDeliveryStatus, at: datetime
) -> ReportDeliveryChanged:
    return ReportDeliveryChanged(delivery_id=row["delivery_id"], account_number=row["account_number"],
                                 status=status, reason=row.get("reason"), attempts=row.get("attempts", 0),
                                 at=at)  # fmt: skip


async def apply_report_requests(
    deliveries: Sequence[Delivery[Any]], uow: ReportDeliveryUnitOfWork
) -> None:
    """Every requested report delivery of a poll: recorded once, addressed to the email of
    record of the account's open client; one without an address fails at once (announced)."""
    wanted: dict[str, set[str]] = {}
    for d in deliveries:
        wanted.setdefault(d.envelope.master_account_id, set()).add(d.event.account_number)
    reachable: dict[tuple[str, str], Recipient] = {}
    for master, accounts in wanted.items():  # one query per master
        for found in await uow.clients.open_clients(master_account_id=master, scope=ClientScope.everything(),
                                                    account_numbers=sorted(accounts)):  # fmt: skip
            if found.email:
                reachable.setdefault((master, found.account_number), found)
    rows: list[dict[str, Any]] = []
    for d in deliveries:
        event: ReportDeliveryRequested = d.event
        master = d.envelope.master_account_id
        client = reachable.get((master, event.account_number))
        now = d.envelope.occurred_at
        rows.append({
            "delivery_id": event.delivery_id, "master_account_id": master,
            "account_number": event.account_number, "contact_id": client.contact_id if client else None,
            "email_to": client.email if client else None, "subject": event.subject, "body": event.body,
            "filename": event.filename, "content_type": event.content_type, "attachment": event.attachment,
            "status": "queued" if client else "failed", "attempts": 0, "next_attempt_at": now,
            "reason": None if client else NO_EMAIL, "created_at": now, "sent_at": None,
        })  # fmt: skip
    added = await uow.report_emails.add(rows)
    for row in rows:
        if row["delivery_id"] in added and row["status"] == "failed":
            await uow.publish(topics.REPORT_DELIVERY_OUTCOMES.name,
                              _outcome(row, ReportDeliveryStatus.FAILED, row["created_at"]),
                              master_account_id=row["master_account_id"])  # fmt: skip


def report_email(row: dict[str, Any], *, sender: str, master_name: str | None, now: datetime) -> EmailMessage:  # fmt: skip
    """The email with the report attached; its Message-ID comes from the delivery id (a copy
    sent twice after a crash is recognisable)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row["email_to"]
    message["Subject"] = f"{master_name}: {row['subject']}" if master_name else row["subject"]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{row['delivery_id']}.report@advisor-portal.local>"
    message[MASTER_HEADER] = row["master_account_id"]
    message.set_content(f"{row['body']}\nYou receive this email as the email address of record of account {row['account_number']}.\n")  # fmt: skip
    main, _, sub = row["content_type"].partition("/")
    message.add_attachment(
        bytes(row["attachment"]), maintype=main, subtype=sub, filename=row["filename"]
    )
    return message


async def send_due_reports(
    uow: ReportDeliveryUnitOfWork, transport: MailTransport, *, sender: str, now: datetime,
    limit: int = EMAILS_PER_PASS, max_attempts: int = MAX_ATTEMPTS,
    first_retry: timedelta = FIRST_RETRY,
) -> int:  # fmt: skip
    """Send up to ``limit`` due report emails, record each outcome and announce the final
    ones; returns how many were tried."""
    claimed = await uow.report_emails.claim_due(now, limit)
    names: dict[str, str | None] = {}
    for row in claimed:
        master = row["master_account_id"]
        if master not in names:
            profile = await uow.masters.get(master)
            names[master] = profile.name if profile else None
        attempts = row["attempts"] + 1
        try:
            await transport.send(
                report_email(row, sender=sender, master_name=names[master], now=now)
            )
        except (MailError, ValueError) as error:
            reason = error.reason if isinstance(error, MailError) else f"not sendable: {error}"
            transient = isinstance(error, MailError) and error.transient and attempts < max_attempts
            if transient:
                wait = first_retry * 2 ** (attempts - 1)
                await uow.report_emails.save(row["delivery_id"], attempts=attempts, reason=reason,
                                             next_attempt_at=now + wait)  # fmt: skip
                continue
            row |= {"attempts": attempts, "reason": reason}
            await uow.report_emails.save(
                row["delivery_id"], attempts=attempts, reason=reason, status="failed"
            )
            await uow.publish(topics.REPORT_DELIVERY_OUTCOMES.name, _outcome(row, ReportDeliveryStatus.FAILED, now),
                              master_account_id=master)  # fmt: skip
        else:
            row |= {"attempts": attempts, "reason": None}
            await uow.report_emails.save(
                row["delivery_id"], attempts=attempts, reason=None, status="sent", sent_at=now
            )
            await uow.publish(topics.REPORT_DELIVERY_OUTCOMES.name, _outcome(row, ReportDeliveryStatus.SENT, now),
                              master_account_id=master)  # fmt: skip
    if claimed:
        log.info("report emails handled", handled=len(claimed))
    return len(claimed)


class UnitsOfWork(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ReportDeliveryUnitOfWork]: ...


class ReportMailer:
    """The background job emailing requested reports, a pass per transaction."""

    def __init__(self, transport: MailTransport, *, sender: str, poll_seconds: float) -> None:
        self.transport = transport
        self._sender = sender
        self._poll_seconds = poll_seconds

    async def run(self, context: ServiceContext) -> None:
        async def one_pass() -> bool:
            return await self.send_due(context.database, context.clock) >= EMAILS_PER_PASS

        await repeat("report-mailer", one_pass, every=self._poll_seconds)

    async def send_due(self, database: UnitsOfWork, clock: Clock) -> int:
        async with database.transaction() as uow:
            return await send_due_reports(uow, self.transport, sender=self._sender, now=clock.now())
