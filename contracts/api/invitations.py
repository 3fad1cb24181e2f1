"""Account invitations and pending registration tasks API (C8): commands and views."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.accounts import AccountType, ApplicationStage
from contracts.crm import InvitationMethod

INVITATION_TOKEN = re.compile(
    r"^(?P<master>[A-Za-z0-9_-]{1,32})\.(?P<secret>[A-Za-z0-9_-]{20,100})$"
)
"""An invitation link's token: ``<master account>.<secret>``; the secret is random and unguessable,
the master part scopes the lookup (GET /applications/{token} is asked as that master)."""


def token_master(token: str) -> str | None:
    """The master account a well-formed token belongs to; None for anything else."""
    match = INVITATION_TOKEN.match(token)
    return match["master"] if match else None


class InvitationStatus(StrEnum):
    PENDING_SEND = "pending_send"
    """fully electronic: recorded; the email goes out right after, from a background sender"""
    SENT = "sent"
    FAILED = "failed"
    """the mail server refused the email, or every attempt failed"""
    PREPARED = "prepared"
    """semi-electronic: the prefilled application is ready to print and sign"""


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: InvitationMethod = Field(
        description="fully_electronic: an email with a link to the prefilled application; "
        "semi_electronic: a prefilled application to print and have signed"
    )
    account_type: AccountType | None = Field(
        default=None,
        description="defaults to the contact's account type (or the prospect information's)",
    )


class InvitationOut(BaseModel):
    id: UUID
    contact_id: UUID
    method: InvitationMethod
    account_type: AccountType
    status: InvitationStatus
    email: str | None
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    expires_at: datetime
    attempts: int
    failure: str | None
    application_stage: ApplicationStage | None = Field(
        description="the contact's application stage now, as the back office reports it"
    )


class InvitationList(BaseModel):
    items: list[InvitationOut]


class ApplicationField(BaseModel):
    label: str
    value: str


class ApplicationSection(BaseModel):
    title: str
    fields: list[ApplicationField]


class ApplicationView(BaseModel):
    """What the invited client sees at the invitation's link: the prefilled application."""

    applicant: str
    advisor_name: str
    account_type: AccountType
    expires_at: datetime
    sections: list[ApplicationSection]


class PendingTasksQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=100, description="account number or name")
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=200)


class PendingTasksRow(BaseModel):
    contact_id: UUID
    name: str
    account_number: str | None
    status: ApplicationStage | None
    tasks: list[str]


class PendingTasksPage(BaseModel):
    items: list[PendingTasksRow]
    total: int
    page: int
    page_size: int
