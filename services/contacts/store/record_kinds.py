"""Each kind of CRM record as the generic repository handles it: its table, the columns a change
writes, and how its listing filters and sorts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from contracts.crm import TaskPriority, TaskStatus
from services.contacts.domain.record_listings import (
    DocumentFilter,
    EventFilter,
    NoteFilter,
    TaskFilter,
)
from services.contacts.domain.records import CalendarEvent, Document, Note, Task
from services.contacts.store.record_repository import RecordMapping
from services.contacts.store.record_tables import crm_documents, crm_events, crm_notes, crm_tasks
from services.contacts.store.tables import contacts


def _direction(column: Any, descending: bool) -> Any:
    return column.desc().nulls_last() if descending else column.asc().nulls_last()


# Notes

NOTE_SORTS: dict[str, Any] = {
    "created_at": crm_notes.c.created_at,
    "updated_at": crm_notes.c.updated_at,
    "contact": contacts.c.last_name,
}


def _note_conditions(where: NoteFilter) -> list[ColumnElement[bool]]:
    return [crm_notes.c.contact_id == where.contact_id] if where.contact_id else []


NOTES = RecordMapping[Note, NoteFilter](
    table=crm_notes,
    kind=Note,
    changeable=("body", "updated_at", "version"),
    conditions=_note_conditions,
    order_by=lambda where: [_direction(NOTE_SORTS[where.sort], where.descending)],
)


# Tasks

TASK_SORTS: dict[str, Any] = {
    "due_at": crm_tasks.c.due_at,
    "created_at": crm_tasks.c.created_at,
    "title": crm_tasks.c.title,
    "status": crm_tasks.c.status,
    # high first when ascending
    "priority": case({"high": 0, "normal": 1, "low": 2}, value=crm_tasks.c.priority),
    "contact": contacts.c.last_name,
}


def _task_conditions(where: TaskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.contact_id:
        conditions.append(crm_tasks.c.contact_id == where.contact_id)
    if where.statuses:
        conditions.append(crm_tasks.c.status.in_([status.value for status in where.statuses]))
    if where.assignee_user_id:
        conditions.append(crm_tasks.c.assignee_user_id == where.assignee_user_id)
    if where.due_from:
        conditions.append(crm_tasks.c.due_at >= where.due_from)
    if where.due_to:
        conditions.append(crm_tasks.c.due_at < where.due_to)
    return conditions


_TASK_CHANGES = (
    "contact_id", "title", "description", "assignee_user_id", "priority", "status", "due_at",
    "email_reminder", "reminded_at", "completed_at", "updated_at", "version",
)  # fmt: skip

TASKS = RecordMapping[Task, TaskFilter](
    table=crm_tasks,
    kind=Task,
    changeable=_TASK_CHANGES,
    conditions=_task_conditions,
    order_by=lambda where: [_direction(TASK_SORTS[where.sort], where.descending)],
    converters={"priority": TaskPriority, "status": TaskStatus},
)


# Calendar events


def _event_conditions(where: EventFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.contact_id:
        conditions.append(crm_events.c.contact_id == where.contact_id)
    if where.overlapping:
        start, end = where.overlapping
        conditions += [crm_events.c.starts_at < end, crm_events.c.ends_at > start]
    return conditions


_EVENT_CHANGES = (
    "contact_id", "title", "starts_at", "ends_at", "location", "notes", "updated_at", "version",
)  # fmt: skip

EVENTS = RecordMapping[CalendarEvent, EventFilter](
    table=crm_events,
    kind=CalendarEvent,
    changeable=_EVENT_CHANGES,
    conditions=_event_conditions,
    order_by=lambda _: [crm_events.c.starts_at],
)


# Documents


def _document_conditions(where: DocumentFilter) -> list[ColumnElement[bool]]:
    return [crm_documents.c.contact_id == where.contact_id] if where.contact_id else []


DOCUMENTS = RecordMapping[Document, DocumentFilter](
    table=crm_documents,
    kind=Document,
    changeable=(),  # a document never changes: it is replaced by uploading another
    conditions=_document_conditions,
    order_by=lambda _: [crm_documents.c.created_at.desc()],
)
