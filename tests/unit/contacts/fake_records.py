"""In-memory repositories of the CRM records, behind the protocols of
``services/contacts/service_layer/records_repositories.py`` (wired in ``fakes.py``).

Like rows, records are copied in and out: a use case that changes what it read changes nothing
stored until it saves. Listings filter by master and contact and keep the oldest first; the SQL
sorts and filters are the integration tests' business. A limited ``reach`` is applied to the
record's contact through ``FakeContacts.reaches`` (wired by the unit of work), like the SQL's
condition on the joined contact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.domain.record_listings import Listed, PageRequest, RecordFilter
from services.contacts.domain.records import Record, Task

RecordT = TypeVar("RecordT", bound=Record)
FilterT = TypeVar("FilterT", bound=RecordFilter)


def _oldest_first(record: Record) -> tuple[datetime, str]:
    return record.created_at, str(record.id)


Reaches = Callable[[UUID, str, Reach], bool]
"""(contact id, master, reach) -> whether the contact is within reach"""


def _everything(contact_id: UUID, master_account_id: str, reach: Reach) -> bool:
    return reach.unlimited


class FakeRecords(Generic[RecordT, FilterT]):
    def __init__(self) -> None:
        self.rows: dict[UUID, RecordT] = {}
        self.reaches: Reaches = _everything

    def _reached(self, record: RecordT, reach: Reach) -> bool:
        return reach.unlimited or self.reaches(record.contact_id, record.master_account_id, reach)

    async def get(
        self,
        master_account_id: str,
        record_id: UUID,
        *,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> RecordT | None:
        record = self.rows.get(record_id)
        if record is None or record.master_account_id != master_account_id:
            return None
        return replace(record) if self._reached(record, reach) else None

    async def add(self, record: RecordT) -> None:
        assert record.id not in self.rows, "a record is added once"
        self.rows[record.id] = replace(record)

    async def save(self, record: RecordT) -> None:
        assert record.id in self.rows, "only a stored record is saved"
        self.rows[record.id] = replace(record)

    async def delete(self, master_account_id: str, record_id: UUID) -> bool:
        return self.rows.pop(record_id, None) is not None

    async def page(
        self, master_account_id: str, where: FilterT, page: PageRequest, reach: Reach = EVERYTHING
    ) -> Listed[RecordT]:
        matching = sorted(
            (
                record
                for record in self.rows.values()
                if record.master_account_id == master_account_id
                and where.contact_id in (None, record.contact_id)
                and self._reached(record, reach)
            ),
            key=_oldest_first,
        )
        shown = matching[page.offset : page.offset + page.size]
        return Listed([replace(record) for record in shown], len(matching))

    async def reassign(
        self, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID, *, contact_name: str
    ) -> list[RecordT]:
        moved = [
            replace(record, contact_id=to_id, version=record.version + 1, contact_name=contact_name)
            for record in self.rows.values()
            if record.master_account_id == master_account_id and record.contact_id in from_ids
        ]
        self.rows.update((record.id, replace(record)) for record in moved)
        return sorted(moved, key=_oldest_first)


class FakeDocumentContents:
    def __init__(self) -> None:
        self.content: dict[UUID, bytes] = {}

    async def put(self, document_id: UUID, content: bytes) -> None:
        self.content[document_id] = content

    async def read(self, document_id: UUID) -> bytes | None:
        return self.content.get(document_id)


class FakeTaskReminders:
    def __init__(self, tasks: FakeRecords[Task, Any]) -> None:
        self._tasks = tasks

    async def claim_due(self, *, now: datetime, limit: int) -> list[Task]:
        due = [task for task in self._tasks.rows.values() if task.reminder_due(now)]
        return [replace(task) for task in sorted(due, key=lambda task: task.due_at or now)][:limit]

    async def mark_reminded(self, task_ids: Sequence[UUID], *, at: datetime) -> None:
        for task_id in task_ids:
            self._tasks.rows[task_id].reminded_at = at


class FakeRecordContacts:
    """Contact names by (master, contact id); moving records goes through ``kinds`` in order."""

    def __init__(
        self,
        names: Mapping[tuple[str, UUID], str],
        kinds: Sequence[FakeRecords[Any, Any]],
        reaches: Reaches = _everything,
    ) -> None:
        self._names = names
        self._kinds = kinds
        self._reaches = reaches

    async def name_of(
        self, master_account_id: str, contact_id: UUID, reach: Reach = EVERYTHING
    ) -> str | None:
        if not (reach.unlimited or self._reaches(contact_id, master_account_id, reach)):
            return None
        return self._names.get((master_account_id, contact_id))

    async def move_records(
        self, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
    ) -> list[Record]:
        sources = [contact_id for contact_id in from_ids if contact_id != to_id]
        if not sources:
            return []
        name = await self.name_of(master_account_id, to_id) or ""
        moved: list[Record] = []
        for kind in self._kinds:
            moved += await kind.reassign(master_account_id, sources, to_id, contact_name=name)
        return moved
