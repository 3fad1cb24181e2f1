"""What a listing of CRM records asks for: which of the master's records, in which order, which
page; and what it answers. Every filter may name one contact (then it must be the master's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from contracts.crm import TaskStatus

ItemT = TypeVar("ItemT")

NoteSort = Literal["created_at", "updated_at", "contact"]
TaskSort = Literal["due_at", "priority", "created_at", "title", "status", "contact"]


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    size: int = 50

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class Listed(Generic[ItemT]):
    """One page of records and how many match in all."""

    items: list[ItemT]
    total: int


@dataclass(frozen=True)
class NoteFilter:
    contact_id: UUID | None = None
    sort: NoteSort = "created_at"
    descending: bool = True


@dataclass(frozen=True)
class TaskFilter:
    contact_id: UUID | None = None
    statuses: tuple[TaskStatus, ...] = ()
    assignee_user_id: str | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    sort: TaskSort = "due_at"
    descending: bool = False


@dataclass(frozen=True)
class EventFilter:
    """Events in start order; with ``overlapping``, those that share any moment with the range."""

    contact_id: UUID | None = None
    overlapping: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class DocumentFilter:
    """Documents newest first."""

    contact_id: UUID | None = None


RecordFilter = NoteFilter | TaskFilter | EventFilter | DocumentFilter
