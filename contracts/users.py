"""Events the gateway publishes about the users of master accounts (the gateway owns them).

Other services learn a master's users from these events only: the communication center offers
their names and addresses for signatures and reply-to, and reminds them of tasks coming due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

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
    changed_at: datetime = Field(
        description="when the change was made; consumers keep the latest per user id"
    )

    def partition_key(self) -> str:
        return self.user_id


UserEnvelope = Envelope[UserChanged]
