"""X3: the background job that turns due tasks into ``TaskDue`` reminders, exactly once.

Each batch is one transaction: the due tasks are locked with ``FOR UPDATE SKIP LOCKED`` (another
replica running the same job takes other rows or none), marked reminded, and their events written
to the outbox — the mark and the outbox row commit together, so a crash before the commit leaves
the task due for the next run and a crash after it cannot repeat the reminder.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from contracts import topics
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.contacts.settings import ContactsSettings
from services.runtime.jobs import repeat
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)


async def remind_due_tasks(uow: ContactsUnitOfWork, *, now: datetime, limit: int) -> int:
    """One batch: publish a reminder for up to ``limit`` due tasks; how many were reminded."""
    due = await uow.task_reminders.claim_due(now=now, limit=limit)
    if not due:
        return 0
    await uow.task_reminders.mark_reminded([task.id for task in due], at=now)
    for task in due:
        await uow.publish(
            topics.CRM_RECORDS.name, task.due_event(), master_account_id=task.master_account_id
        )
    return len(due)


async def run_reminders(context: ServiceContext) -> None:
    """Remind due tasks until cancelled; a full batch is followed at once by the next one."""
    settings = context.settings
    if not isinstance(settings, ContactsSettings):
        raise TypeError("the reminders job needs the contacts service's settings")
    limit = settings.reminder_batch_size

    async def one_batch() -> bool:
        async with context.database.transaction() as uow:
            reminded = await remind_due_tasks(uow, now=context.clock.now(), limit=limit)
        if reminded:
            log.info("task reminders published", count=reminded)
        return reminded >= limit

    await repeat("task-reminders", one_batch, every=settings.reminder_poll_seconds)
