"""Use cases of the CRM records (C7): notes, tasks/workflows, calendar events and documents.

Each change takes a unit of work and the caller (whose master scopes everything), changes the
record through the store and publishes its whole new state (``NoteChanged``, ``TaskChanged``,
``CalendarEventChanged``, ``DocumentChanged``; version + 1, ``deleted`` when it is gone) through
the outbox of the same transaction; the caller commits. A change that changes nothing is neither
saved nor published. A record is always attached to a contact of the caller's master.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.api.records import MAX_DOCUMENT_BYTES, EventCreate, TaskCreate
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
    safe_filename,
    sniff_document,
)
from services.contacts.store import records as store
from services.contacts.store.documents import (
    DatabaseDocumentStore,
    DirectoryDocumentStore,
    DocumentStore,
)
from services.runtime.caller import Caller
from services.runtime.db import UnitOfWork


class RecordsSettings(BaseSettings):
    """The contacts service's settings for CRM records, read from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    documents_dir: Path | None = Field(
        default=None, description="keep document bytes here instead of in the database"
    )
    reminder_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    reminder_batch_size: int = Field(default=100, ge=1, le=1000)

    def store_for_new_documents(self) -> DocumentStore:
        if self.documents_dir is None:
            return DatabaseDocumentStore()
        return DirectoryDocumentStore(self.documents_dir)

    def store_named(self, name: str) -> DocumentStore:
        if name == DirectoryDocumentStore.name:
            if self.documents_dir is None:
                raise DocumentUnavailable("the documents directory is not configured")
            return DirectoryDocumentStore(self.documents_dir)
        return DatabaseDocumentStore()


class NotFound(LookupError):
    """No such record (or contact) in the caller's master account."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no such {what}")
        self.what = what


class DocumentUnavailable(RuntimeError):
    """The document's row exists but its bytes cannot be read."""


class DocumentTooLarge(ValueError):
    def __init__(self) -> None:
        super().__init__(f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")


def now_utc() -> datetime:
    return datetime.now(UTC)


async def _check_contact(session: AsyncSession, caller: Caller, contact_id: UUID) -> str:
    name = await store.contact_name(session, caller.master_account_id, contact_id)
    if name is None:
        raise NotFound("contact")
    return name


RecordT = TypeVar("RecordT")


def _found(record: RecordT | None, what: str) -> RecordT:
    if record is None:
        raise NotFound(what)
    return record


async def _follow_contact(
    session: AsyncSession, caller: Caller, record: Task | CalendarEvent, changes: dict[str, Any]
) -> None:
    """A record moved to another contact (of the caller's master) shows that contact's name."""
    if "contact_id" in changes and changes["contact_id"] != record.contact_id:
        record.contact_name = await _check_contact(session, caller, changes["contact_id"])


async def _publish(
    uow: UnitOfWork, caller: Caller, record: Record, *, deleted: bool = False
) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        record.changed_event(caller.user_id, deleted=deleted),
        master_account_id=record.master_account_id,
    )


async def _publish_deleted(uow: UnitOfWork, caller: Caller, record: Record) -> None:
    await _publish(uow, caller, next_version(record), deleted=True)


RemovableT = TypeVar("RemovableT", Note, Task, CalendarEvent, Document)


async def _remove(
    uow: UnitOfWork,
    caller: Caller,
    record_id: UUID,
    what: str,
    get: Callable[..., Awaitable[RemovableT | None]],
    delete: Callable[[AsyncSession, str, UUID], Awaitable[object]],
) -> RemovableT:
    """Delete one of the caller's records and publish its last state as deleted."""
    record = _found(
        await get(uow.session, caller.master_account_id, record_id, for_update=True), what
    )
    await delete(uow.session, caller.master_account_id, record_id)
    await _publish_deleted(uow, caller, record)
    return record


# Notes


async def add_note(uow: UnitOfWork, caller: Caller, contact_id: UUID, body: str) -> Note:
    contact_name = await _check_contact(uow.session, caller, contact_id)
    now = now_utc()
    note = Note(
        master_account_id=caller.master_account_id,
        contact_id=contact_id,
        author_user_id=caller.user_id,
        body=body,
        created_at=now,
        updated_at=now,
        contact_name=contact_name,
    )
    await store.add_note(uow.session, note)
    await _publish(uow, caller, note)
    return note


async def change_note(uow: UnitOfWork, caller: Caller, note_id: UUID, body: str) -> Note:
    before = _found(
        await store.get_note(uow.session, caller.master_account_id, note_id, for_update=True),
        "note",
    )
    note = edit_note(before, body, now=now_utc())
    if note is not before:
        await store.save_note(uow.session, note)
        await _publish(uow, caller, note)
    return note


async def remove_note(uow: UnitOfWork, caller: Caller, note_id: UUID) -> None:
    await _remove(uow, caller, note_id, "note", store.get_note, store.delete_note)


# Tasks / workflows


async def add_task(uow: UnitOfWork, caller: Caller, command: TaskCreate) -> Task:
    contact_name = await _check_contact(uow.session, caller, command.contact_id)
    now = now_utc()
    task = Task(
        master_account_id=caller.master_account_id,
        contact_id=command.contact_id,
        contact_name=contact_name,
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
    await store.add_task(uow.session, task)
    await _publish(uow, caller, task)
    return task


async def change_task(
    uow: UnitOfWork, caller: Caller, task_id: UUID, changes: dict[str, Any]
) -> Task:
    """``changes``: the fields the user sent; raises RecordRuleError for a refused transition.
    Completing a task is the change ``{"status": "done"}``."""
    before = _found(
        await store.get_task(uow.session, caller.master_account_id, task_id, for_update=True),
        "task",
    )
    await _follow_contact(uow.session, caller, before, changes)
    task = apply_task_changes(before, changes, now=now_utc())
    if task is not before:
        await store.save_task(uow.session, task)
        await _publish(uow, caller, task)
    return task


async def remove_task(uow: UnitOfWork, caller: Caller, task_id: UUID) -> None:
    await _remove(uow, caller, task_id, "task", store.get_task, store.delete_task)


# Calendar events


async def add_event(uow: UnitOfWork, caller: Caller, command: EventCreate) -> CalendarEvent:
    contact_name = await _check_contact(uow.session, caller, command.contact_id)
    now = now_utc()
    event = new_event(
        master_account_id=caller.master_account_id,
        contact_name=contact_name,
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
        **command.model_dump(),
    )
    await store.add_event(uow.session, event)
    await _publish(uow, caller, event)
    return event


async def change_event(
    uow: UnitOfWork, caller: Caller, event_id: UUID, changes: dict[str, Any]
) -> CalendarEvent:
    before = _found(
        await store.get_event(uow.session, caller.master_account_id, event_id, for_update=True),
        "event",
    )
    await _follow_contact(uow.session, caller, before, changes)
    event = apply_event_changes(before, changes, now=now_utc())
    if event is not before:
        await store.save_event(uow.session, event)
        await _publish(uow, caller, event)
    return event


async def remove_event(uow: UnitOfWork, caller: Caller, event_id: UUID) -> None:
    await _remove(uow, caller, event_id, "event", store.get_event, store.delete_event)


# Documents


async def add_document(
    uow: UnitOfWork,
    caller: Caller,
    contact_id: UUID,
    *,
    filename: str | None,
    content: bytes,
    documents: DocumentStore,
) -> Document:
    """Check the contact, the size and the type sniffed from the bytes, then keep the document.

    With a directory store the file is written before the commit: the caller discards it if the
    transaction fails.
    """
    contact_name = await _check_contact(uow.session, caller, contact_id)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge()
    kind = sniff_document(content, filename or "")
    document = Document(
        master_account_id=caller.master_account_id,
        contact_id=contact_id,
        contact_name=contact_name,
        filename=safe_filename(filename, kind),
        content_type=kind.content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage=documents.name,
        uploaded_by=caller.user_id,
        created_at=now_utc(),
    )
    await store.add_document(uow.session, document)
    try:
        await documents.put(uow.session, document, content)
    except BaseException:
        await documents.discard(document.id)
        raise
    await _publish(uow, caller, document)
    return document


async def read_document(
    session: AsyncSession, caller: Caller, document_id: UUID, settings: RecordsSettings
) -> tuple[Document, bytes]:
    document = _found(
        await store.get_document(session, caller.master_account_id, document_id), "document"
    )
    content = await settings.store_named(document.storage).read(session, document)
    if content is None:
        raise DocumentUnavailable("the document's content is missing")
    return document, content


async def remove_document(uow: UnitOfWork, caller: Caller, document_id: UUID) -> Document:
    """Delete the row; the caller discards the bytes from the document's store after commit."""
    return await _remove(
        uow, caller, document_id, "document", store.get_document, store.delete_document
    )


# Merging duplicates


async def move_to_contact(
    uow: UnitOfWork, caller: Caller, *, from_ids: Sequence[UUID], to_id: UUID
) -> int:
    """Move the notes, tasks, events and documents of the ``from_ids`` contacts to ``to_id`` (a
    contact of the caller's master, loaded by the caller) and publish each moved record's new
    state. Returns how many moved.

    One event per moved record: the merged contacts' records are as many as the advisor created
    for them, and each event is small (a document's is its description, never its bytes). The
    outbox relays them in batches after the merge commits.
    """
    moved = await store.reassign_contact(
        uow.session, master_account_id=caller.master_account_id, from_ids=from_ids, to_id=to_id
    )
    for record in moved:
        await _publish(uow, caller, record)
    return len(moved)
