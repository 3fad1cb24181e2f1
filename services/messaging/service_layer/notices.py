"""X3: a task coming due becomes a notice in its assignee's own Message Center, and an email to
them when they chose so (or the task asks for one). The email is sent after the commit, by a
job reading the notices whose email is still to send: a failed one is tried again later, and a
re-delivered ``TaskDue`` is the same notice (one per task and due time), so one email."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol
from uuid import UUID, uuid4, uuid5

import structlog

from contracts.api.notices import NoticeList, NoticeOut
from contracts.crm import TaskDue
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.messaging.store.notices import NewNotice, Notice
from services.runtime.caller import Caller
from services.runtime.clock import Clock
from services.runtime.consumers import Delivery
from services.runtime.errors import NotFound
from services.runtime.jobs import repeat
from services.runtime.mail import MailError, MailTransport
from services.runtime.mail_headers import MASTER_HEADER
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

TASK_DUE = "task_due"
NOTICES_SHOWN = 100
MAX_EMAILS_PER_PASS = 100


def task_due_notice(event: TaskDue, *, master_account_id: str, email_to: str | None) -> NewNotice:
    """The reminder of one task at one due time (its source: a re-delivery is the same one)."""
    due = event.due_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    return NewNotice(
        id=uuid4(),
        master_account_id=master_account_id,
        user_id=event.assignee_user_id,
        kind=TASK_DUE,
        source_id=f"{event.task_id}@{event.due_at.isoformat()}",
        subject=f"Task due: {event.title}"[:300],
        body=f"Your task “{event.title}” ({event.priority.value} priority) is due {due}.",
        email_to=email_to,
    )


async def apply_tasks_due(deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork) -> None:
    """Every task coming due of a poll: one notice each for its assignee (one statement), to be
    emailed when the assignee wants reminders by email or the task asks for it."""
    users = await uow.master_users.by_ids({d.event.assignee_user_id for d in deliveries})
    notices: dict[tuple[str, str], NewNotice] = {}
    for delivery in deliveries:
        event: TaskDue = delivery.event
        master = delivery.envelope.master_account_id
        user = users.get(event.assignee_user_id)
        wanted = user is not None and (user.email_reminders or event.email_reminder)
        known = user is not None and user.master_account_id == master and user.active
        email_to = user.email if user is not None and wanted and known else None
        notice = task_due_notice(event, master_account_id=master, email_to=email_to)
        notices.setdefault((notice.user_id, notice.source_id), notice)
    await uow.user_notices.add(list(notices.values()))


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        id=notice.id, kind=notice.kind, subject=notice.subject, body=notice.body,
        created_at=notice.created_at, read_at=notice.read_at,
        emailed=notice.emailed_at is not None,
    )  # fmt: skip


async def my_notices(uow: MessagingUnitOfWork, caller: Caller) -> NoticeList:
    """The caller's own notices, newest first, and how many are unread."""
    unread, notices = await uow.user_notices.of_user(
        master_account_id=caller.master_account_id, user_id=caller.user_id, limit=NOTICES_SHOWN
    )
    return NoticeList(items=[notice_out(n) for n in notices], unread=unread)


async def read_notice(
    uow: MessagingUnitOfWork, caller: Caller, notice_id: UUID, *, now: datetime
) -> NoticeOut:
    """Mark one of the caller's notices read; another user's is not found."""
    notice = await uow.user_notices.mark_read(
        master_account_id=caller.master_account_id, user_id=caller.user_id,
        notice_id=notice_id, at=now,
    )  # fmt: skip
    if notice is None:
        raise NotFound("notice")
    return notice_out(notice)


def reminder_email(notice: Notice, *, sender: str, now: datetime) -> EmailMessage:
    """The reminder email; its Message-ID comes from the notice, so a copy sent twice (a crash
    between the hand-over and the commit) can be dropped by mail systems."""
    assert notice.email_to is not None
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.email_to
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{uuid5(notice.id, 'reminder')}@advisor-portal.local>"
    message[MASTER_HEADER] = notice.master_account_id
    why = (
        "You receive this email because of your reminder settings."
        if notice.kind == TASK_DUE
        else "You receive this email because you may decide on staged broker messages."
    )
    message.set_content(
        f"{notice.body}\n\nIt is in your Message Center in the Advisor Portal.\n{why}\n"
    )
    return message


async def send_next_reminder(
    uow: MessagingUnitOfWork, transport: MailTransport, *, sender: str, now: datetime,
    besides: Sequence[UUID] = (),
) -> Notice | None:  # fmt: skip
    """Send the oldest reminder email still to send and record the outcome; None when none is."""
    notice = await uow.user_notices.next_unsent_email(besides=besides)
    if notice is None:
        return None
    try:
        await transport.send(reminder_email(notice, sender=sender, now=now))
    except MailError as error:
        await uow.user_notices.email_failed(notice.id, permanent=not error.transient)
        log.info("reminder email failed", notice_id=str(notice.id), reason=error.reason)
    except ValueError as error:  # an address the email library refuses
        await uow.user_notices.email_failed(notice.id, permanent=True)
        log.info("reminder email not sendable", notice_id=str(notice.id), reason=str(error))
    else:
        await uow.user_notices.email_sent(notice.id, now)
    return notice


class UnitsOfWork(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[MessagingUnitOfWork]: ...


class ReminderMailer:
    """The background job emailing reminders (one transaction each), every ``poll_seconds``."""

    def __init__(self, transport: MailTransport, *, sender: str, poll_seconds: float) -> None:
        self.transport = transport
        self._sender = sender
        self._poll_seconds = poll_seconds
        self._wake_up = asyncio.Event()

    def wake(self) -> None:
        self._wake_up.set()

    async def run(self, context: ServiceContext) -> None:
        async def one_pass() -> bool:
            return await self.send_due(context.database, context.clock) >= MAX_EMAILS_PER_PASS

        await repeat("reminder-mailer", one_pass, every=self._poll_seconds, wake_up=self._wake_up)

    async def send_due(self, database: UnitsOfWork, clock: Clock) -> int:
        """Send the reminder emails still to send (a pass's worth, each tried once); how many
        were tried."""
        tried: list[UUID] = []
        while len(tried) < MAX_EMAILS_PER_PASS:
            async with database.transaction() as uow:
                notice = await send_next_reminder(
                    uow, self.transport, sender=self._sender, now=clock.now(), besides=tried
                )
            if notice is None:
                break
            tried.append(notice.id)
        return len(tried)
