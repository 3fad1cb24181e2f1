"""Use cases of the CRM records (C7): notes, tasks/workflows, calendar events and documents.

Each takes a session of the caller's transaction and the caller (whose master scopes everything);
the API commits. A record is always attached to a contact of the caller's master.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.api.records import MAX_DOCUMENT_BYTES, EventCreate, TaskCreate
from services.contacts.domain.records import (
    CalendarEvent,
    Document,
    Note,
    Task,
    apply_event_changes,
    apply_task_changes,
    edit_note,
    new_event,
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


# Notes


async def add_note(session: AsyncSession, caller: Caller, contact_id: UUID, body: str) -> Note:
    contact_name = await _check_contact(session, caller, contact_id)
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
    await store.add_note(session, note)
    return note


async def change_note(session: AsyncSession, caller: Caller, note_id: UUID, body: str) -> Note:
    note = _found(
        await store.get_note(session, caller.master_account_id, note_id, for_update=True), "note"
    )
    note = edit_note(note, body, now=now_utc())
    await store.save_note(session, note)
    return note


async def remove_note(session: AsyncSession, caller: Caller, note_id: UUID) -> None:
    if not await store.delete_note(session, caller.master_account_id, note_id):
        raise NotFound("note")


# Tasks / workflows


async def add_task(session: AsyncSession, caller: Caller, command: TaskCreate) -> Task:
    contact_name = await _check_contact(session, caller, command.contact_id)
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
    await store.add_task(session, task)
    return task


async def change_task(
    session: AsyncSession, caller: Caller, task_id: UUID, changes: dict[str, Any]
) -> Task:
    """``changes``: the fields the user sent; raises RecordRuleError for a refused transition."""
    task = _found(
        await store.get_task(session, caller.master_account_id, task_id, for_update=True), "task"
    )
    await _follow_contact(session, caller, task, changes)
    task = apply_task_changes(task, changes, now=now_utc())
    await store.save_task(session, task)
    return task


async def remove_task(session: AsyncSession, caller: Caller, task_id: UUID) -> None:
    if not await store.delete_task(session, caller.master_account_id, task_id):
        raise NotFound("task")


# Calendar events


async def add_event(session: AsyncSession, caller: Caller, command: EventCreate) -> CalendarEvent:
    contact_name = await _check_contact(session, caller, command.contact_id)
    now = now_utc()
    event = new_event(
        master_account_id=caller.master_account_id,
        contact_name=contact_name,
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
        **command.model_dump(),
    )
    await store.add_event(session, event)
    return event


async def change_event(
    session: AsyncSession, caller: Caller, event_id: UUID, changes: dict[str, Any]
) -> CalendarEvent:
    event = _found(
        await store.get_event(session, caller.master_account_id, event_id, for_update=True),
        "event",
    )
    await _follow_contact(session, caller, event, changes)
    event = apply_event_changes(event, changes, now=now_utc())
    await store.save_event(session, event)
    return event


async def remove_event(session: AsyncSession, caller: Caller, event_id: UUID) -> None:
    if not await store.delete_event(session, caller.master_account_id, event_id):
        raise NotFound("event")


# Documents


async def add_document(
    session: AsyncSession,
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
    contact_name = await _check_contact(session, caller, contact_id)
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
    await store.add_document(session, document)
    try:
        await documents.put(session, document, content)
    except BaseException:
        await documents.discard(document.id)
        raise
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


async def remove_document(session: AsyncSession, caller: Caller, document_id: UUID) -> Document:
    """Delete the row; the caller discards the bytes from the document's store after commit."""
    document = _found(
        await store.get_document(session, caller.master_account_id, document_id, for_update=True),
        "document",
    )
    await store.delete_document(session, caller.master_account_id, document_id)
    return document
