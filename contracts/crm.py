"""Events the contacts service publishes about CRM records other than the contact itself:
groups, households, invitations, and tasks coming due (for reminders)."""

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


CrmEvent = Annotated[
    GroupChanged | HouseholdChanged | InvitationSent | TaskDue, Field(discriminator="type")
]
CrmEnvelope = Envelope[CrmEvent]
