"""The reminder job's queries: claim the tasks whose reminder is due, mark them reminded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts.domain.records import ACTIVE_TASK_STATUSES, Task
from services.contacts.store.record_kinds import TASKS
from services.contacts.store.record_tables import CONTACT_NAME, crm_tasks
from services.contacts.store.tables import contacts


class SqlTaskReminders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim_due(self, *, now: datetime, limit: int) -> list[Task]:
        """Lock up to ``limit`` tasks whose reminder is due and not sent, skipping rows another
        replica holds; the caller marks them reminded in the same transaction."""
        statement = (
            select(crm_tasks, CONTACT_NAME)
            .join(contacts, contacts.c.id == crm_tasks.c.contact_id)
            .where(
                crm_tasks.c.reminded_at.is_(None),
                crm_tasks.c.due_at.is_not(None),
                crm_tasks.c.due_at <= now,
                crm_tasks.c.status.in_([status.value for status in ACTIVE_TASK_STATUSES]),
            )
            .order_by(crm_tasks.c.due_at)
            .limit(limit)
            .with_for_update(of=crm_tasks, skip_locked=True)
        )
        return [TASKS.record_of(row) for row in (await self._session.execute(statement)).all()]

    async def mark_reminded(self, task_ids: Sequence[UUID], *, at: datetime) -> None:
        await self._session.execute(
            update(crm_tasks).where(crm_tasks.c.id.in_(task_ids)).values(reminded_at=at)
        )
