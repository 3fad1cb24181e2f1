"""CRM records API (C7): notes, tasks/workflows, calendar events and documents of contacts.

Times are ISO 8601 with an offset; naive times are refused (their zone would be a guess).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, ClassVar, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.api.limits import Instant
from contracts.crm import TaskPriority, TaskStatus

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_EVENT_RANGE = timedelta(days=400)

Title = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]
UserId = Annotated[str, Field(min_length=1, max_length=64)]
Order = Literal["asc", "desc"]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Patch(_Command):
    """A partial update: only the fields sent change; a required field may not be sent as null."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null_unless_clearable(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.CLEARABLE:
            raise ValueError("may not be null")
        return value


class _Paging(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)


# Notes


class NoteCreate(_Command):
    body: str = Field(min_length=1, max_length=10_000)


class NoteUpdate(_Command):
    body: str = Field(min_length=1, max_length=10_000)


class NoteOut(BaseModel):
    id: UUID
    contact_id: UUID
    contact_name: str
    author_user_id: str
    body: str
    created_at: datetime
    updated_at: datetime


class NoteListQuery(_Paging):
    contact_id: UUID | None = None
    sort: Literal["created_at", "updated_at", "contact"] = "created_at"
    order: Order = "desc"


class NotePage(BaseModel):
    items: list[NoteOut]
    total: int
    page: int
    page_size: int


# Tasks / workflows


class TaskCreate(_Command):
    """A task of a contact of the caller's master (404 for any other contact)."""

    contact_id: UUID
    title: Title
    description: LongText | None = None
    assignee_user_id: UserId | None = Field(
        default=None, description="a user of the master; the creator when left out"
    )
    priority: TaskPriority = TaskPriority.NORMAL
    due_at: Instant | None = None
    email_reminder: bool = Field(
        default=False, description="email the assignee when the task falls due"
    )


class TaskUpdate(_Patch):
    """Only the fields sent change. ``description`` and ``due_at`` may be sent as null to clear
    them; any other field sent as null is refused. A status the task cannot move to from its
    own answers 409 (a task that is done or cancelled can only be reopened)."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"description", "due_at"})

    contact_id: UUID | None = None
    title: Title | None = None
    description: LongText | None = None
    assignee_user_id: UserId | None = None
    priority: TaskPriority | None = None
    status: TaskStatus | None = None
    due_at: Instant | None = None
    email_reminder: bool | None = None


class TaskOut(BaseModel):
    id: UUID
    contact_id: UUID
    contact_name: str
    title: str
    description: str | None
    assignee_user_id: str
    created_by: str
    priority: TaskPriority
    status: TaskStatus
    due_at: datetime | None
    email_reminder: bool
    reminded_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TaskListQuery(_Paging):
    contact_id: UUID | None = None
    status: list[TaskStatus] = Field(default_factory=list, max_length=4)
    assignee_user_id: UserId | None = None
    due_from: Instant | None = None
    due_to: Instant | None = Field(default=None, description="after due_from, when both are given")
    sort: Literal["due_at", "priority", "created_at", "title", "status", "contact"] = "due_at"
    order: Order = "asc"

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        if self.due_from and self.due_to and self.due_to <= self.due_from:
            raise ValueError("due_to must be after due_from")
        return self


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    page_size: int


# Calendar events


class EventCreate(_Command):
    """An event with a contact of the caller's master (404 for any other contact)."""

    contact_id: UUID
    title: Title
    starts_at: Instant
    ends_at: Instant = Field(description="after starts_at")
    location: str | None = Field(default=None, max_length=200)
    notes: LongText | None = None

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("the end must be after the start")
        return ends_at


class EventUpdate(_Patch):
    """Only the fields sent change; changing one end of the event is checked against the other,
    stored one (the end stays after the start). ``location`` and ``notes`` may be sent as null to
    clear them; any other field sent as null is refused."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset({"location", "notes"})

    contact_id: UUID | None = None
    title: Title | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    location: str | None = Field(default=None, max_length=200)
    notes: LongText | None = None


class EventOut(BaseModel):
    id: UUID
    contact_id: UUID
    contact_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    notes: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class EventListQuery(_Paging):
    """Events that overlap [start, end), or all of them in start order when no range is given."""

    start: Instant | None = Field(default=None, description="given with end, or not at all")
    end: Instant | None = Field(
        default=None,
        description=f"given with start: after it, at most {MAX_EVENT_RANGE.days} days later",
    )
    contact_id: UUID | None = None
    page_size: int = Field(default=500, ge=1, le=1000)

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        if end is None or start is None:
            return end
        if end <= start:
            raise ValueError("the end must be after the start")
        if end - start > MAX_EVENT_RANGE:
            raise ValueError(f"a range may span at most {MAX_EVENT_RANGE.days} days")
        return end

    @model_validator(mode="after")
    def _both_ends_or_none(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        return self


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    page: int
    page_size: int


# Documents


class DocumentOut(BaseModel):
    id: UUID
    contact_id: UUID
    contact_name: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    created_at: datetime


class DocumentListQuery(_Paging):
    contact_id: UUID | None = None


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    page: int
    page_size: int
