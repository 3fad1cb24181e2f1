"""X3: the background job that turns due tasks into ``TaskDue`` reminders, exactly once.

Each batch is one transaction: the due tasks are locked with ``FOR UPDATE SKIP LOCKED`` (another
replica running the same job takes other rows or none), marked reminded, and their events written
to the outbox — the mark and the outbox row commit together, so a crash before the commit leaves
the task due for the next run and a crash after it cannot repeat the reminder.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog
from faststream.kafka import KafkaBroker

from contracts import topics
from services.contacts.records import RecordsSettings, now_utc
from services.contacts.store import records as store
from services.runtime.db import Database

log = structlog.get_logger(__name__)


async def remind_due_tasks(database: Database, *, now: datetime, limit: int) -> int:
    """One batch: publish a reminder for up to ``limit`` due tasks; how many were reminded."""
    async with database.unit_of_work() as uow:
        due = await store.claim_due_tasks(uow.session, now=now, limit=limit)
        if not due:
            return 0
        await store.mark_reminded(uow.session, [task.id for task in due], at=now)
        for task in due:
            await uow.publish(
                topics.CRM_RECORDS.name, task.due_event(), master_account_id=task.master_account_id
            )
        await uow.commit()
    log.info("task reminders published", count=len(due))
    return len(due)


async def run(
    database: Database, broker: KafkaBroker, settings: RecordsSettings | None = None
) -> None:
    """Poll for due tasks until cancelled; a full batch is followed at once by the next one."""
    settings = settings or RecordsSettings()
    while True:
        try:
            reminded = await remind_due_tasks(
                database, now=now_utc(), limit=settings.reminder_batch_size
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("task reminders failed; retrying", error=type(error).__name__)
            reminded = 0
        if reminded < settings.reminder_batch_size:
            await asyncio.sleep(settings.reminder_poll_seconds)
