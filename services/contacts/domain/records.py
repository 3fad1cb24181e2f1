"""Notes, tasks/workflows, calendar events and documents of a contact, and their rules (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from contracts.api.records import MAX_DOCUMENT_BYTES
from contracts.crm import (
    CalendarEventChanged,
    DocumentChanged,
    NoteChanged,
    TaskChanged,
    TaskDue,
    TaskPriority,
    TaskStatus,
)
from services.runtime.errors import Conflict, Invalid, TooLarge, Unavailable


class RecordRuleError(Invalid):
    """A change the rules refuse; ``field`` names the input at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message, field=field_name)


class TransitionRefused(Conflict):
    """The record's current state does not allow the change (a conflict, not bad input)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass
class Note:
    master_account_id: str
    contact_id: UUID
    author_user_id: str
    body: str
    created_at: datetime
    updated_at: datetime
    id: UUID = field(default_factory=uuid4)
    contact_name: str = ""
    version: int = 1

    def changed_event(self, changed_by: str, *, deleted: bool = False) -> NoteChanged:
        return NoteChanged(
            note_id=self.id,
            contact_id=self.contact_id,
            author_user_id=self.author_user_id,
            body=self.body,
            created_at=self.created_at,
            updated_at=self.updated_at,
            changed_by=changed_by,
            deleted=deleted,
            version=self.version,
        )


RevisableT = TypeVar("RevisableT", "Note", "Task", "CalendarEvent")


def revised(before: RevisableT, after: RevisableT, *, now: datetime) -> RevisableT:
    """``after`` as the next version of ``before``, changed at ``now``; ``before`` itself when
    nothing but the time of the change differs (a change that changes nothing is no change)."""
    if replace(after, updated_at=before.updated_at) == before:
        return before
    return replace(after, updated_at=now, version=before.version + 1)


def edit_note(note: Note, body: str, *, now: datetime) -> Note:
    return revised(note, replace(note, body=body), now=now)


# Tasks / workflows

ACTIVE_TASK_STATUSES = frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS})

# Finished tasks can be reopened; nothing jumps from one finished state to the other.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.OPEN}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.OPEN}),
}


@dataclass
class Task:
    master_account_id: str
    contact_id: UUID
    title: str
    assignee_user_id: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    id: UUID = field(default_factory=uuid4)
    description: str | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    status: TaskStatus = TaskStatus.OPEN
    due_at: datetime | None = None
    email_reminder: bool = False
    reminded_at: datetime | None = None
    completed_at: datetime | None = None
    contact_name: str = ""
    version: int = 1

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_TASK_STATUSES

    def reminder_due(self, now: datetime) -> bool:
        return (
            self.active
            and self.due_at is not None
            and self.due_at <= now
            and self.reminded_at is None
        )

    def due_event(self) -> TaskDue:
        assert self.due_at is not None
        return TaskDue(
            task_id=self.id,
            contact_id=self.contact_id,
            assignee_user_id=self.assignee_user_id,
            title=self.title,
            priority=self.priority,
            due_at=self.due_at,
            email_reminder=self.email_reminder,
        )

    def changed_event(self, changed_by: str, *, deleted: bool = False) -> TaskChanged:
        return TaskChanged(
            task_id=self.id,
            contact_id=self.contact_id,
            title=self.title,
            description=self.description,
            assignee_user_id=self.assignee_user_id,
            created_by=self.created_by,
            priority=self.priority,
            status=self.status,
            due_at=self.due_at,
            email_reminder=self.email_reminder,
            completed_at=self.completed_at,
            created_at=self.created_at,
            updated_at=self.updated_at,
            changed_by=changed_by,
            deleted=deleted,
            version=self.version,
        )


def change_status(task: Task, status: TaskStatus, *, now: datetime) -> Task:
    if status == task.status:
        return task
    if status not in TASK_TRANSITIONS[task.status]:
        raise TransitionRefused(
            "status", f"a task that is {task.status.value} cannot become {status.value}"
        )
    completed_at = now if status in {TaskStatus.DONE, TaskStatus.CANCELLED} else None
    return replace(task, status=status, completed_at=completed_at, updated_at=now)


def reschedule(task: Task, due_at: datetime | None, *, now: datetime) -> Task:
    """A new due date in the future re-arms the reminder; one in the past keeps it as it was
    (a reminder already sent is not repeated for a date that has passed anyway)."""
    if due_at == task.due_at:
        return task
    rearm = due_at is not None and due_at > now
    return replace(
        task, due_at=due_at, reminded_at=None if rearm else task.reminded_at, updated_at=now
    )


_PLAIN_TASK_FIELDS = frozenset(
    {"contact_id", "title", "description", "assignee_user_id", "priority", "email_reminder"}
)


def apply_task_changes(task: Task, changes: dict[str, Any], *, now: datetime) -> Task:
    """``changes``: only the fields the user sent (a partial update). The task itself when they
    change nothing; otherwise its next version."""
    plain = {name: value for name, value in changes.items() if name in _PLAIN_TASK_FIELDS}
    changed = replace(task, **plain, updated_at=now) if plain else task
    if "due_at" in changes:
        changed = reschedule(changed, changes["due_at"], now=now)
    if "status" in changes:
        changed = change_status(changed, changes["status"], now=now)
    return revised(task, changed, now=now)


# Calendar events


@dataclass
class CalendarEvent:
    master_account_id: str
    contact_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    updated_at: datetime
    id: UUID = field(default_factory=uuid4)
    location: str | None = None
    notes: str | None = None
    contact_name: str = ""
    version: int = 1

    def changed_event(self, changed_by: str, *, deleted: bool = False) -> CalendarEventChanged:
        return CalendarEventChanged(
            event_id=self.id,
            contact_id=self.contact_id,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            location=self.location,
            notes=self.notes,
            created_by=self.created_by,
            created_at=self.created_at,
            updated_at=self.updated_at,
            changed_by=changed_by,
            deleted=deleted,
            version=self.version,
        )


def check_event_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise RecordRuleError("starts_at", "times must carry a UTC offset")
    if ends_at <= starts_at:
        raise RecordRuleError("ends_at", "the end must be after the start")


def new_event(**values: Any) -> CalendarEvent:
    event = CalendarEvent(**values)
    check_event_times(event.starts_at, event.ends_at)
    return event


def apply_event_changes(
    event: CalendarEvent, changes: dict[str, Any], *, now: datetime
) -> CalendarEvent:
    """The event itself when ``changes`` change nothing; otherwise its next version."""
    changed = replace(event, **changes)
    check_event_times(changed.starts_at, changed.ends_at)
    return revised(event, changed, now=now)


# Documents


class DocumentTooLarge(TooLarge):
    def __init__(self) -> None:
        super().__init__(f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")


class DocumentUnavailable(Unavailable):
    """The document's row exists but its bytes cannot be read."""


def check_document_size(content: bytes) -> None:
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge()


@dataclass
class Document:
    master_account_id: str
    contact_id: UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    storage: str
    uploaded_by: str
    created_at: datetime
    id: UUID = field(default_factory=uuid4)
    contact_name: str = ""
    version: int = 1

    def changed_event(self, changed_by: str, *, deleted: bool = False) -> DocumentChanged:
        return DocumentChanged(
            document_id=self.id,
            contact_id=self.contact_id,
            filename=self.filename,
            content_type=self.content_type,
            size_bytes=self.size_bytes,
            sha256=self.sha256,
            uploaded_by=self.uploaded_by,
            created_at=self.created_at,
            changed_by=changed_by,
            deleted=deleted,
            version=self.version,
        )

    @property
    def viewable_inline(self) -> bool:
        """Shown in the browser rather than saved: never anything a browser could run."""
        return self.content_type.split(";")[0] in {
            "application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/csv",
        }  # fmt: skip


Record = Note | Task | CalendarEvent | Document
"""A CRM record of a contact."""


def next_version(record: Record) -> Record:
    """The record as it is published when a change touches only its place or its existence
    (moved to another contact, deleted)."""
    return replace(record, version=record.version + 1)
