"""The repositories the CRM records' use cases reach through the unit of work (protocols).

Notes, tasks, calendar events and documents share one shape (``Records``; ``ChangeableRecords``
for the kinds that change after they are added). The SQL implementations are in ``store/``, the
in-memory ones in ``tests/unit/contacts/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.domain.record_listings import (
    DocumentFilter,
    EventFilter,
    Listed,
    NoteFilter,
    PageRequest,
    RecordFilter,
    TaskFilter,
)
from services.contacts.domain.records import CalendarEvent, Document, Note, Record, Task
from services.contacts.store.documents import DocumentContents

RecordT = TypeVar("RecordT", bound=Record)
FilterT = TypeVar("FilterT", bound=RecordFilter, contravariant=True)


class Records(Protocol[RecordT, FilterT]):
    """One kind of record, scoped by master account: another master's record is not found, nor
    one about a contact outside the ``reach`` given."""

    async def get(
        self,
        master_account_id: str,
        record_id: UUID,
        *,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> RecordT | None: ...

    async def add(self, record: RecordT) -> None: ...

    async def delete(self, master_account_id: str, record_id: UUID) -> bool: ...

    async def page(
        self, master_account_id: str, where: FilterT, page: PageRequest, reach: Reach = EVERYTHING
    ) -> Listed[RecordT]: ...


class ChangeableRecords(Records[RecordT, FilterT], Protocol[RecordT, FilterT]):
    async def save(self, record: RecordT) -> None: ...


Notes = ChangeableRecords[Note, NoteFilter]
Tasks = ChangeableRecords[Task, TaskFilter]
Events = ChangeableRecords[CalendarEvent, EventFilter]
Documents = Records[Document, DocumentFilter]


class RecordContacts(Protocol):
    """The contacts as their records see them."""

    async def name_of(
        self, master_account_id: str, contact_id: UUID, reach: Reach = EVERYTHING
    ) -> str | None:
        """The contact's display name; None when the master has no such contact in ``reach``."""
        ...

    async def move_records(
        self, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
    ) -> list[Record]:
        """Move every record of the ``from_ids`` contacts to ``to_id`` (version + 1 each); the
        moved records as they are now: notes, tasks, events, documents, oldest first in each."""
        ...


class TaskReminders(Protocol):
    async def claim_due(self, *, now: datetime, limit: int) -> list[Task]:
        """Up to ``limit`` tasks whose reminder is due and not sent, locked for this transaction
        (rows another transaction holds are skipped)."""
        ...

    async def mark_reminded(self, task_ids: Sequence[UUID], *, at: datetime) -> None: ...


__all__ = [
    "ChangeableRecords",
    "DocumentContents",
    "Documents",
    "Events",
    "Notes",
    "RecordContacts",
    "Records",
    "TaskReminders",
    "Tasks",
]
