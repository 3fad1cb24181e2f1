"""Notes, tasks/workflows, calendar events and documents of contacts: tables and queries.

Every query takes the caller's master account and filters by it; an id of another master's record
is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy import (
    delete as sql_delete,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from contracts.crm import TaskPriority, TaskStatus
from services.contacts.domain.records import (
    ACTIVE_TASK_STATUSES,
    CalendarEvent,
    Document,
    Note,
    Record,
    Task,
)
from services.contacts.store.tables import contacts, metadata

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

RecordT = TypeVar("RecordT", bound="DataclassInstance")


def _contact_column() -> Column[Any]:
    return Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
    )


def _version() -> Column[Any]:
    """How many times the record changed (published with each change)."""
    return Column("version", Integer, nullable=False, server_default="1")


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


crm_notes = Table(
    "crm_notes",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("author_user_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    _version(),
    *_timestamps(),
    Index("ix_crm_notes_master_contact", "master_account_id", "contact_id", "created_at"),
    Index("ix_crm_notes_master_created", "master_account_id", "created_at"),
)

crm_tasks = Table(
    "crm_tasks",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("assignee_user_id", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("email_reminder", Boolean, nullable=False, server_default="false"),
    Column("reminded_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    _version(),
    *_timestamps(),
    Index("ix_crm_tasks_master_contact", "master_account_id", "contact_id"),
    Index("ix_crm_tasks_master_due", "master_account_id", "due_at"),
    # what the reminder job scans: only tasks still waiting for their reminder
    Index(
        "ix_crm_tasks_reminder_due",
        "due_at",
        postgresql_where=text(
            "reminded_at IS NULL AND due_at IS NOT NULL AND status IN ('open', 'in_progress')"
        ),
    ),
)

crm_events = Table(
    "crm_events",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("title", String(200), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("location", String(200)),
    Column("notes", Text),
    Column("created_by", String(64), nullable=False),
    _version(),
    *_timestamps(),
    Index("ix_crm_events_master_starts", "master_account_id", "starts_at"),
    Index("ix_crm_events_master_contact", "master_account_id", "contact_id", "starts_at"),
)

crm_documents = Table(
    "crm_documents",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    _contact_column(),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage", String(16), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    _version(),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_crm_documents_master_contact", "master_account_id", "contact_id", "created_at"),
    Index("ix_crm_documents_master_created", "master_account_id", "created_at"),
)

# The bytes live apart from the row so that listing documents never reads them.
crm_document_contents = Table(
    "crm_document_contents",
    metadata,
    Column(
        "document_id",
        PgUUID(as_uuid=True),
        ForeignKey("crm_documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("content", LargeBinary, nullable=False),
)

CONTACT_NAME = (contacts.c.first_name + " " + contacts.c.last_name).label("contact_name")


async def reassign_contact(
    session: AsyncSession, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
) -> list[Record]:
    """Move every note, task, event and document of the ``from_ids`` contacts to ``to_id``.

    Runs in the caller's transaction (a merge); ``to_id`` must be a contact of the same master —
    the caller has loaded it. Each moved record gets version + 1; returns them as they are now
    (notes, tasks, events, documents, each kind oldest first).
    """
    sources = [contact_id for contact_id in from_ids if contact_id != to_id]
    if not sources:
        return []
    name = await contact_name(session, master_account_id, to_id) or ""
    kinds: tuple[tuple[Table, Callable[..., Record]], ...] = (
        (crm_notes, _to_note), (crm_tasks, _to_task), (crm_events, _to_event),
        (crm_documents, _to_document),
    )  # fmt: skip
    moved: list[Record] = []
    for table, to_record in kinds:
        rows = await session.execute(
            update(table)
            .where(
                table.c.master_account_id == master_account_id,
                table.c.contact_id.in_(sources),
            )
            .values(contact_id=to_id, version=table.c.version + 1)
            .returning(*table.c)
        )
        records = [to_record(row, contact_name=name) for row in rows.all()]
        moved += sorted(records, key=lambda record: (record.created_at, str(record.id)))
    return moved


async def contact_name(
    session: AsyncSession, master_account_id: str, contact_id: UUID
) -> str | None:
    """The contact's display name, or None when the master has no such contact."""
    row = (
        await session.execute(
            select(contacts.c.first_name, contacts.c.last_name).where(
                contacts.c.master_account_id == master_account_id, contacts.c.id == contact_id
            )
        )
    ).first()
    return f"{row.first_name} {row.last_name}" if row else None


@dataclass(frozen=True)
class Listed:
    """One page of records and how many match in all."""

    items: list[Any]
    total: int


async def _page(
    session: AsyncSession,
    table: Table,
    *,
    master_account_id: str,
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
    to_record: Any,
) -> Listed:
    scope = [table.c.master_account_id == master_account_id, *conditions]
    total = await session.scalar(select(func.count()).select_from(table).where(*scope))
    statement = (
        select(table, CONTACT_NAME)
        .join(contacts, contacts.c.id == table.c.contact_id)
        .where(*scope)
        .order_by(*order_by, table.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(statement)).all()
    return Listed(items=[to_record(row) for row in rows], total=int(total or 0))


async def _one(
    session: AsyncSession,
    table: Table,
    *,
    master_account_id: str,
    record_id: UUID,
    for_update: bool,
    to_record: Callable[[Any], RecordT],
) -> RecordT | None:
    statement = (
        select(table, CONTACT_NAME)
        .join(contacts, contacts.c.id == table.c.contact_id)
        .where(table.c.master_account_id == master_account_id, table.c.id == record_id)
    )
    if for_update:
        statement = statement.with_for_update(of=table)
    row = (await session.execute(statement)).first()
    return to_record(row) if row else None


async def _delete(
    session: AsyncSession, table: Table, *, master_account_id: str, record_id: UUID
) -> bool:
    result = await session.execute(
        sql_delete(table).where(
            table.c.master_account_id == master_account_id, table.c.id == record_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _direction(column: Any, descending: bool) -> Any:
    return column.desc().nulls_last() if descending else column.asc().nulls_last()


def _from_row(kind: type[RecordT], row: Any, **converted: Any) -> RecordT:
    """A record from its table's row (joined with CONTACT_NAME): each field is the column of its
    name, or its ``converted`` value."""
    values = {
        field.name: getattr(row, field.name)
        for field in fields(kind)
        if field.name not in converted
    }
    return kind(**(values | converted))


async def _insert(session: AsyncSession, table: Table, record: Any) -> None:
    """Every column of the new row is the record's field of that name."""
    values = {column.name: getattr(record, column.name) for column in table.columns}
    await session.execute(table.insert().values(**values))


async def _update(
    session: AsyncSession, table: Table, record: Any, changeable: Sequence[str]
) -> None:
    await session.execute(
        update(table)
        .where(table.c.master_account_id == record.master_account_id, table.c.id == record.id)
        .values(**{name: getattr(record, name) for name in changeable})
    )


# Notes


def _to_note(row: Any, **converted: Any) -> Note:
    return _from_row(Note, row, **converted)


NOTE_SORTS = {
    "created_at": crm_notes.c.created_at,
    "updated_at": crm_notes.c.updated_at,
    "contact": contacts.c.last_name,
}


async def add_note(session: AsyncSession, note: Note) -> None:
    await _insert(session, crm_notes, note)


async def get_note(
    session: AsyncSession, master_account_id: str, note_id: UUID, *, for_update: bool = False
) -> Note | None:
    return await _one(
        session, crm_notes, master_account_id=master_account_id, record_id=note_id,
        for_update=for_update, to_record=_to_note,
    )  # fmt: skip


async def save_note(session: AsyncSession, note: Note) -> None:
    await _update(session, crm_notes, note, ("body", "updated_at", "version"))


async def delete_note(session: AsyncSession, master_account_id: str, note_id: UUID) -> bool:
    return await _delete(session, crm_notes, master_account_id=master_account_id, record_id=note_id)


async def list_notes(
    session: AsyncSession,
    master_account_id: str,
    *,
    contact_id: UUID | None = None,
    sort: str = "created_at",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> Listed:
    conditions = [crm_notes.c.contact_id == contact_id] if contact_id else []
    return await _page(
        session, crm_notes, master_account_id=master_account_id, conditions=conditions,
        order_by=[_direction(NOTE_SORTS[sort], descending)], limit=limit, offset=offset,
        to_record=_to_note,
    )  # fmt: skip


# Tasks


def _to_task(row: Any, **converted: Any) -> Task:
    return _from_row(
        Task, row, priority=TaskPriority(row.priority), status=TaskStatus(row.status), **converted
    )


_TASK_CHANGES = (
    "contact_id", "title", "description", "assignee_user_id", "priority", "status", "due_at",
    "email_reminder", "reminded_at", "completed_at", "updated_at", "version",
)  # fmt: skip

TASK_SORTS: dict[str, Any] = {
    "due_at": crm_tasks.c.due_at,
    "created_at": crm_tasks.c.created_at,
    "title": crm_tasks.c.title,
    "status": crm_tasks.c.status,
    # high first when ascending
    "priority": case({"high": 0, "normal": 1, "low": 2}, value=crm_tasks.c.priority),
    "contact": contacts.c.last_name,
}


async def add_task(session: AsyncSession, task: Task) -> None:
    await _insert(session, crm_tasks, task)


async def get_task(
    session: AsyncSession, master_account_id: str, task_id: UUID, *, for_update: bool = False
) -> Task | None:
    return await _one(
        session, crm_tasks, master_account_id=master_account_id, record_id=task_id,
        for_update=for_update, to_record=_to_task,
    )  # fmt: skip


async def save_task(session: AsyncSession, task: Task) -> None:
    await _update(session, crm_tasks, task, _TASK_CHANGES)


async def delete_task(session: AsyncSession, master_account_id: str, task_id: UUID) -> bool:
    return await _delete(session, crm_tasks, master_account_id=master_account_id, record_id=task_id)


@dataclass(frozen=True)
class TaskFilter:
    contact_id: UUID | None = None
    statuses: Sequence[TaskStatus] = ()
    assignee_user_id: str | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None


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


async def list_tasks(
    session: AsyncSession,
    master_account_id: str,
    where: TaskFilter,
    *,
    sort: str = "due_at",
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Listed:
    return await _page(
        session, crm_tasks, master_account_id=master_account_id,
        conditions=_task_conditions(where), order_by=[_direction(TASK_SORTS[sort], descending)],
        limit=limit, offset=offset, to_record=_to_task,
    )  # fmt: skip


async def claim_due_tasks(session: AsyncSession, *, now: datetime, limit: int) -> list[Task]:
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
    return [_to_task(row) for row in (await session.execute(statement)).all()]


async def mark_reminded(session: AsyncSession, task_ids: Sequence[UUID], *, at: datetime) -> None:
    await session.execute(
        update(crm_tasks).where(crm_tasks.c.id.in_(task_ids)).values(reminded_at=at)
    )


# Calendar events


def _to_event(row: Any, **converted: Any) -> CalendarEvent:
    return _from_row(CalendarEvent, row, **converted)


_EVENT_CHANGES = (
    "contact_id", "title", "starts_at", "ends_at", "location", "notes", "updated_at", "version",
)  # fmt: skip


async def add_event(session: AsyncSession, event: CalendarEvent) -> None:
    await _insert(session, crm_events, event)


async def get_event(
    session: AsyncSession, master_account_id: str, event_id: UUID, *, for_update: bool = False
) -> CalendarEvent | None:
    return await _one(
        session, crm_events, master_account_id=master_account_id, record_id=event_id,
        for_update=for_update, to_record=_to_event,
    )  # fmt: skip


async def save_event(session: AsyncSession, event: CalendarEvent) -> None:
    await _update(session, crm_events, event, _EVENT_CHANGES)


async def delete_event(session: AsyncSession, master_account_id: str, event_id: UUID) -> bool:
    return await _delete(
        session, crm_events, master_account_id=master_account_id, record_id=event_id
    )


async def list_events(
    session: AsyncSession,
    master_account_id: str,
    *,
    contact_id: UUID | None = None,
    overlapping: tuple[datetime, datetime] | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Listed:
    """Events in start order; with ``overlapping``, those that share any moment with the range."""
    conditions: list[ColumnElement[bool]] = []
    if contact_id:
        conditions.append(crm_events.c.contact_id == contact_id)
    if overlapping:
        start, end = overlapping
        conditions += [crm_events.c.starts_at < end, crm_events.c.ends_at > start]
    return await _page(
        session, crm_events, master_account_id=master_account_id, conditions=conditions,
        order_by=[crm_events.c.starts_at], limit=limit, offset=offset, to_record=_to_event,
    )  # fmt: skip


# Documents


def _to_document(row: Any, **converted: Any) -> Document:
    return _from_row(Document, row, **converted)


async def add_document(session: AsyncSession, document: Document) -> None:
    await _insert(session, crm_documents, document)


async def get_document(
    session: AsyncSession, master_account_id: str, document_id: UUID, *, for_update: bool = False
) -> Document | None:
    return await _one(
        session, crm_documents, master_account_id=master_account_id, record_id=document_id,
        for_update=for_update, to_record=_to_document,
    )  # fmt: skip


async def delete_document(session: AsyncSession, master_account_id: str, document_id: UUID) -> bool:
    return await _delete(
        session, crm_documents, master_account_id=master_account_id, record_id=document_id
    )


async def list_documents(
    session: AsyncSession,
    master_account_id: str,
    *,
    contact_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listed:
    conditions = [crm_documents.c.contact_id == contact_id] if contact_id else []
    return await _page(
        session, crm_documents, master_account_id=master_account_id, conditions=conditions,
        order_by=[crm_documents.c.created_at.desc()], limit=limit, offset=offset,
        to_record=_to_document,
    )  # fmt: skip


async def put_content(session: AsyncSession, document_id: UUID, content: bytes) -> None:
    await session.execute(
        crm_document_contents.insert().values(document_id=document_id, content=content)
    )


async def read_content(session: AsyncSession, document_id: UUID) -> bytes | None:
    content: bytes | None = await session.scalar(
        select(crm_document_contents.c.content).where(
            crm_document_contents.c.document_id == document_id
        )
    )
    return content
