"""A user's own Message Center (X3): reminders of tasks coming due and other notices, and the
user's choice to receive reminders by email too."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class NoticeOut(BaseModel):
    id: UUID
    kind: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None = None
    emailed: bool = False


class NoticeList(BaseModel):
    """The user's newest notices, and how many of all are unread."""

    items: list[NoticeOut]
    unread: int


class ReminderPreferences(BaseModel):
    """Whether the user's task reminders are emailed to them as well."""

    model_config = ConfigDict(extra="forbid")

    email: bool = False
