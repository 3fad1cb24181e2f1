"""Use cases of the CRM records (C7): notes, tasks/workflows, calendar events and documents.

Each change takes a unit of work and the caller (whose master scopes everything), changes the
record through the unit of work's repository of its kind and publishes its whole new state
(``NoteChanged``, ``TaskChanged``, ``CalendarEventChanged``, ``DocumentChanged``; version + 1,
``deleted`` when it is gone) in the same transaction; the caller commits. A change that changes
nothing is neither saved nor published. A record is always attached to a contact of the caller's
master. What every kind does alike (get, list, remove, move) is written once, for a ``RecordKind``.

A record is reached with its contact (access rights, ``domain/reach.py``); tasks, workflows and
documents about a client need the Account Information right too. A record out of reach is not
found, and none is added to a contact out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from contracts import topics
from contracts.api.records import (
    EventCreate,
    EventListQuery,
    NoteListQuery,
    TaskCreate,
    TaskListQuery,
)
from services.contacts.domain.reach import Reach
from services.contacts.domain.record_listings import (
    DocumentFilter,
    EventFilter,
    Listed,
    NoteFilter,
    PageRequest,
    RecordFilter,
    TaskFilter,
)
from services.contacts.domain.records import (
    CalendarEvent,
    Document,
    Note,
    Record,
    Task,
    apply_event_changes,
    apply_task_changes,
    edit_note,
    new_event,
    next_version,
)
from services.contacts.service_layer.records_repositories import ChangeableRecords, Records
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound

RecordT = TypeVar("RecordT", bound=Record)
FilterT = TypeVar("FilterT", bound=RecordFilter)


@dataclass(frozen=True)
class RecordKind(Generic[RecordT, FilterT]):
    """One kind of record: what it is called, and its repository in a unit of work."""

    what: str
    repository: Callable[[ContactsUnitOfWork], Records[RecordT, FilterT]]
    client_records: bool = False
    """about a client, reached only with the Account Information right (tasks, documents)"""

    def reach(self, caller: Caller) -> Reach:
        """The records of this kind the caller reaches (by their contacts)."""
        reach = Reach.of(caller.access)
        return reach.for_client_records() if self.client_records else reach


NOTES = RecordKind[Note, NoteFilter]("note", lambda uow: uow.notes)
TASKS = RecordKind[Task, TaskFilter]("task", lambda uow: uow.tasks, client_records=True)
EVENTS = RecordKind[CalendarEvent, EventFilter]("event", lambda uow: uow.events)
DOCUMENTS = RecordKind[Document, DocumentFilter](
    "document", lambda uow: uow.documents, client_records=True
)


async def contact_name(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, *, reach: Reach
) -> str:
    """The name of a contact of the caller's master within ``reach`` (the caller's, or that of
    a kind of record: ``RecordKind.reach``); NotFound for any other."""
    name = await uow.record_contacts.name_of(caller.master_account_id, contact_id, reach)
    if name is None:
        raise NotFound("contact")
    return name


async def publish(
    uow: ContactsUnitOfWork, caller: Caller, record: Record, *, deleted: bool = False
) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        record.changed_event(caller.user_id, deleted=deleted),
        master_account_id=record.master_account_id,
    )


# What every kind does alike


async def get_record(
    uow: ContactsUnitOfWork,
    kind: RecordKind[RecordT, Any],
    caller: Caller,
    record_id: UUID,
    *,
    for_update: bool = False,
) -> RecordT:
    """One of the caller's records within reach; NotFound for any other."""
    records = kind.repository(uow)
    record = await records.get(
        caller.master_account_id, record_id, for_update=for_update, reach=kind.reach(caller)
    )
    if record is None:
        raise NotFound(kind.what)
    return record


async def list_records(
    uow: ContactsUnitOfWork,
    kind: RecordKind[RecordT, FilterT],
    caller: Caller,
    where: FilterT,
    page: PageRequest,
) -> Listed[RecordT]:
    """One page of the caller's records within reach (of a contact of the caller's, when
    ``where`` names one: NotFound for a contact out of reach; a client's tasks and documents
    are left out without the Account Information right)."""
    if where.contact_id:
        await contact_name(uow, caller, where.contact_id, reach=Reach.of(caller.access))
    return await kind.repository(uow).page(
        caller.master_account_id, where, page, kind.reach(caller)
    )


async def remove_record(
    uow: ContactsUnitOfWork, kind: RecordKind[RecordT, Any], caller: Caller, record_id: UUID
) -> RecordT:
    """Delete one of the caller's records and publish its last state as deleted."""
    record = await get_record(uow, kind, caller, record_id, for_update=True)
    await kind.repository(uow).delete(caller.master_account_id, record_id)
    await publish(uow, caller, next_version(record), deleted=True)
    return record


async def add_record(
    uow: ContactsUnitOfWork, kind: RecordKind[RecordT, Any], caller: Caller, record: RecordT
) -> RecordT:
    await kind.repository(uow).add(record)
    await publish(uow, caller, record)
    return record


async def save_change(
    uow: ContactsUnitOfWork,
    records: ChangeableRecords[RecordT, Any],
    caller: Caller,
    before: RecordT,
    after: RecordT,
) -> RecordT:
    """``after`` saved and published, unless it is ``before`` itself (a change of nothing)."""
    if after is not before:
        await records.save(after)
        await publish(uow, caller, after)
    return after


async def move_to_contact(
    uow: ContactsUnitOfWork, caller: Caller, *, from_ids: Sequence[UUID], to_id: UUID
) -> int:
    """Move the notes, tasks, events and documents of the ``from_ids`` contacts to ``to_id`` (a
    contact of the caller's master, loaded by the caller) and publish each moved record's new
    state. Returns how many moved.

    One event per moved record: the merged contacts' records are as many as the advisor created
    for them, and each event is small (a document's is its description, never its bytes). The
    outbox relays them in batches after the merge commits.
    """
    moved = await uow.record_contacts.move_records(
        master_account_id=caller.master_account_id, from_ids=from_ids, to_id=to_id
    )
    for record in moved:
        await publish(uow, caller, record)
    return len(moved)


async def _follow_contact(
    uow: ContactsUnitOfWork,
    caller: Caller,
    kind: RecordKind[Any, Any],
    record: Task | CalendarEvent,
    changes: dict[str, Any],
) -> None:
    """A record moved to another contact (of the caller's master, within reach) shows that
    contact's name."""
    if "contact_id" in changes and changes["contact_id"] != record.contact_id:
        contact_id = changes["contact_id"]
        record.contact_name = await contact_name(uow, caller, contact_id, reach=kind.reach(caller))


# Notes


async def list_notes(uow: ContactsUnitOfWork, caller: Caller, query: NoteListQuery) -> Listed[Note]:
    where = NoteFilter(query.contact_id, query.sort, descending=query.order == "desc")
    return await list_records(uow, NOTES, caller, where, PageRequest(query.page, query.page_size))


async def add_note(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, body: str, *, now: datetime
) -> Note:
    note = Note(
        master_account_id=caller.master_account_id,
        contact_id=contact_id,
        author_user_id=caller.user_id,
        body=body,
        created_at=now,
        updated_at=now,
        contact_name=await contact_name(uow, caller, contact_id, reach=NOTES.reach(caller)),
    )
    return await add_record(uow, NOTES, caller, note)


async def change_note(
    uow: ContactsUnitOfWork, caller: Caller, note_id: UUID, body: str, *, now: datetime
) -> Note:
    before = await get_record(uow, NOTES, caller, note_id, for_update=True)
    return await save_change(uow, uow.notes, caller, before, edit_note(before, body, now=now))


# Tasks / workflows


async def list_tasks(uow: ContactsUnitOfWork, caller: Caller, query: TaskListQuery) -> Listed[Task]:
    where = TaskFilter(
        contact_id=query.contact_id,
        statuses=tuple(query.status),
        assignee_user_id=query.assignee_user_id,
        due_from=query.due_from,
        due_to=query.due_to,
        sort=query.sort,
        descending=query.order == "desc",
    )
    return await list_records(uow, TASKS, caller, where, PageRequest(query.page, query.page_size))


async def add_task(
    uow: ContactsUnitOfWork, caller: Caller, command: TaskCreate, *, now: datetime
) -> Task:
    task = Task(
        master_account_id=caller.master_account_id,
        contact_id=command.contact_id,
        contact_name=await contact_name(uow, caller, command.contact_id, reach=TASKS.reach(caller)),
        title=command.title,
        description=command.description,
        assignee_user_id=command.assignee_user_id or caller.user_id,
        created_by=caller.user_id,
        priority=command.priority,
        due_at=command.due_at,
        email_reminder=command.email_reminder,
        created_at=now,
        updated_at=now,
    )
    return await add_record(uow, TASKS, caller, task)


async def change_task(
    uow: ContactsUnitOfWork,
    caller: Caller,
    task_id: UUID,
    changes: dict[str, Any],
    *,
    now: datetime,
) -> Task:
    """``changes``: the fields the user sent; raises TransitionRefused for a refused transition.
    Completing a task is the change ``{"status": "done"}``."""
    before = await get_record(uow, TASKS, caller, task_id, for_update=True)
    await _follow_contact(uow, caller, TASKS, before, changes)
    return await save_change(
        uow, uow.tasks, caller, before, apply_task_changes(before, changes, now=now)
    )


# Calendar events


async def list_events(
    uow: ContactsUnitOfWork, caller: Caller, query: EventListQuery
) -> Listed[CalendarEvent]:
    overlapping = (query.start, query.end) if query.start and query.end else None
    where = EventFilter(contact_id=query.contact_id, overlapping=overlapping)
    return await list_records(uow, EVENTS, caller, where, PageRequest(query.page, query.page_size))


async def add_event(
    uow: ContactsUnitOfWork, caller: Caller, command: EventCreate, *, now: datetime
) -> CalendarEvent:
    event = new_event(
        master_account_id=caller.master_account_id,
        contact_name=await contact_name(
            uow, caller, command.contact_id, reach=EVENTS.reach(caller)
        ),
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
        **command.model_dump(),
    )
    return await add_record(uow, EVENTS, caller, event)


async def change_event(
    uow: ContactsUnitOfWork,
    caller: Caller,
    event_id: UUID,
    changes: dict[str, Any],
    *,
    now: datetime,
) -> CalendarEvent:
    before = await get_record(uow, EVENTS, caller, event_id, for_update=True)
    await _follow_contact(uow, caller, EVENTS, before, changes)
    after = apply_event_changes(before, changes, now=now)
    return await save_change(uow, uow.events, caller, before, after)
