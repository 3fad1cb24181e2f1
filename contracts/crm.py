"""Events the contacts service publishes about CRM records other than the contact itself:
groups, households, invitations, notes, tasks/workflows, calendar events, documents, and tasks
coming due (for reminders).

Notes, tasks, calendar events and documents each publish their whole state after every change
(created, changed, completed, moved to another contact, deleted), keyed by their contact so that
one contact's records stay in order. A record that moves to another contact (a change of its
contact, or a merge of duplicates) continues on that contact's partition: consumers keep, per
record id, the event with the highest ``version`` and drop older ones.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.accounts import AccountType
from contracts.envelope import Envelope, Event


class GroupVisibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class GroupChanged(Event):
    """A group's whole state after a change (created, renamed, members added/removed, deleted)."""

    type: Literal["crm.group_changed"] = "crm.group_changed"
    group_id: UUID
    name: str
    visibility: GroupVisibility
    owner_user_id: str
    member_contact_ids: list[UUID] = Field(max_length=100_000)
    deleted: bool = False
    version: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.group_id)


class HouseholdChanged(Event):
    """A household's whole state after a change; a form to sign is generated each time."""

    type: Literal["crm.household_changed"] = "crm.household_changed"
    household_id: UUID
    name: str
    head_contact_id: UUID | None
    member_contact_ids: list[UUID] = Field(max_length=1000)
    dissolved: bool = False
    version: int = Field(ge=1)

    def partition_key(self) -> str:
        return str(self.household_id)


class InvitationMethod(StrEnum):
    FULLY_ELECTRONIC = "fully_electronic"
    SEMI_ELECTRONIC = "semi_electronic"


class InvitationSent(Event):
    """An account invitation went out (email) or a prefilled application was printed."""

    type: Literal["crm.invitation_sent"] = "crm.invitation_sent"
    invitation_id: UUID
    contact_id: UUID
    method: InvitationMethod
    account_type: AccountType
    email: str | None = None
    sent_by: str

    def partition_key(self) -> str:
        return str(self.contact_id)


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskDue(Event):
    """A task/workflow item reached its due time and is not done: remind its assignee."""

    type: Literal["crm.task_due"] = "crm.task_due"
    task_id: UUID
    contact_id: UUID | None
    assignee_user_id: str
    title: str
    priority: TaskPriority
    due_at: datetime
    email_reminder: bool = False

    def partition_key(self) -> str:
        return str(self.task_id)


# Bounds of the record events' fields: those the contacts service's API and tables enforce.
UserId = Annotated[str, Field(min_length=1, max_length=64)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


class _RecordChanged(Event):
    """What every record event carries besides the record's own fields."""

    contact_id: UUID = Field(description="the contact the record belongs to after the change")
    changed_by: UserId = Field(description="the user who made the change")
    deleted: bool = Field(
        default=False, description="the record no longer exists; the rest is its last state"
    )
    version: int = Field(
        ge=1,
        description="increases with every change of the record (its deletion included); "
        "consumers keep the highest per record id",
    )

    def partition_key(self) -> str:
        return str(self.contact_id)


class NoteChanged(_RecordChanged):
    """A note's whole state after a change (added, edited, moved by a merge, deleted)."""

    type: Literal["crm.note_changed"] = "crm.note_changed"
    note_id: UUID
    author_user_id: UserId
    body: LongText
    created_at: datetime
    updated_at: datetime


class TaskChanged(_RecordChanged):
    """A task/workflow item's whole state after a change (created, edited, rescheduled, started,
    completed, cancelled, reopened, moved to another contact, deleted). Its reminder is the
    separate ``TaskDue``."""

    type: Literal["crm.task_changed"] = "crm.task_changed"
    task_id: UUID
    title: Title
    description: LongText | None = None
    assignee_user_id: UserId
    created_by: UserId
    priority: TaskPriority
    status: TaskStatus
    due_at: datetime | None = None
    email_reminder: bool = False
    completed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CalendarEventChanged(_RecordChanged):
    """A calendar event's whole state after a change (created, edited, moved, deleted)."""

    type: Literal["crm.calendar_event_changed"] = "crm.calendar_event_changed"
    event_id: UUID
    title: Title
    starts_at: datetime
    ends_at: datetime
    location: Annotated[str, Field(max_length=200)] | None = None
    notes: LongText | None = None
    created_by: UserId
    created_at: datetime
    updated_at: datetime


class DocumentChanged(_RecordChanged):
    """A document's description after a change (uploaded, moved by a merge, deleted). The bytes
    are never carried: they are read through the contacts service's API."""

    type: Literal["crm.document_changed"] = "crm.document_changed"
    document_id: UUID
    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    size_bytes: int = Field(ge=0)
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    uploaded_by: UserId
    created_at: datetime


CrmEvent = Annotated[
    GroupChanged
    | HouseholdChanged
    | InvitationSent
    | TaskDue
    | NoteChanged
    | TaskChanged
    | CalendarEventChanged
    | DocumentChanged,
    Field(discriminator="type"),
]
CrmEnvelope = Envelope[CrmEvent]
