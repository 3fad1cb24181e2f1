"""Events the analytics service publishes (``analytics.corporate-action-elections``).

- ``analytics.corporate_action_elected``: a user of the master submitted an election on a
  voluntary corporate action for one client account (for the broker's back office to act on).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.accounts import AccountNumber
from contracts.envelope import Envelope, Event


class ElectionChoice(StrEnum):
    PARTICIPATE = "participate"  # take up the offer (tender, subscribe, take shares...)
    DECLINE = "decline"  # keep the default outcome


class CorporateActionElected(Event):
    """One account's election on a voluntary corporate action, as submitted (the newest wins)."""

    type: Literal["analytics.corporate_action_elected"] = "analytics.corporate_action_elected"
    election_id: UUID
    action_id: str = Field(max_length=64)
    account_number: AccountNumber
    choice: ElectionChoice
    quantity: int | None = Field(default=None, ge=1, le=1_000_000_000)
    submitted_by_user_id: str = Field(max_length=64)
    submitted_at: datetime

    def partition_key(self) -> str:
        return self.action_id


AnalyticsEnvelope = Envelope[CorporateActionElected]
