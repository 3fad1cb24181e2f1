"""Events the gateway publishes about the users of master accounts (the gateway owns them).

- ``gateway.user_changed``: a user's whole state after a change;
- ``gateway.master_changed``: a master account's name and time zone.

Other services learn a master's users (and its time zone) from these events only: the communication center offers
their names and addresses for signatures and reply-to, and reminds them of tasks coming due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from contracts.access import Right
from contracts.envelope import Envelope, Event


class UserChanged(Event):
    """A user's whole state after a change (added, renamed, new email, deactivated or
    reactivated, primacy given or taken, reminder preference changed)."""

    type: Literal["gateway.user_changed"] = "gateway.user_changed"
    user_id: str = Field(min_length=1, max_length=64)
    master_account_id: str = Field(min_length=1, max_length=32)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    active: bool
    is_primary: bool
    email_reminders: bool = Field(
        default=False, description="the user wants their task reminders by email too"
    )
    rights: list[Right] = Field(
        default_factory=list,
        max_length=64,
        description="the rights granted (a primary user holds every right)",
    )
    changed_at: datetime = Field(
        description="when the change was made; consumers keep the latest per user id"
    )

    def partition_key(self) -> str:
        return self.user_id


class MasterChanged(Event):
    """A master account as it is now (created, renamed, its time zone changed); announced for
    every master at the gateway's start too. Services keep the latest per master id."""

    type: Literal["gateway.master_changed"] = "gateway.master_changed"
    master_account_id: str = Field(min_length=1, max_length=32)
    name: str = Field(max_length=200)
    time_zone: str = Field(max_length=64, description="IANA time zone the master keeps time in")
    changed_at: datetime

    def partition_key(self) -> str:
        return self.master_account_id


UserEvent = Annotated[UserChanged | MasterChanged, Field(discriminator="type")]
UserEnvelope = Envelope[UserEvent]
