"""Events of message staging (services/staging), on the ``STAGING`` topic.

For every broker message flagged for review (``broker_message.issued`` with ``review_required``)
and every master owning some of its recipient accounts, staging publishes exactly one outcome
when the message arrives, and at most one more when a held message is decided or reaches its
deadline:

- ``staging.message_held``: staging was in effect for the master when the message arrived; the
  message waits for a decision until ``deadline`` (the master's users are told, with it);
- ``staging.message_released``: deliver it now — staging was not in effect (``not_staged``), a
  user chose Send As Is (``send_as_is``), or the deadline passed with no decision (``deadline``);
- ``staging.message_rejected``: never deliver it — Reject Once, Always Reject, or an Always
  Reject saved for its message type while staging is in effect (``decided_by_user_id`` None);
- ``staging.election_changed``: the master enabled or disabled staging, effective at the next
  daily cut-over (``effective_at``), not at once;
- ``staging.always_reject_changed``: a message type is (no longer) always rejected.

Message events are keyed by ``{master_account_id}/{message_id}``; elections by the master id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from contracts.accounts import Channel
from contracts.envelope import Envelope, Event


class ReleaseReason(StrEnum):
    NOT_STAGED = "not_staged"
    SEND_AS_IS = "send_as_is"
    DEADLINE = "deadline"


class RejectReason(StrEnum):
    REJECT_ONCE = "reject_once"
    ALWAYS_REJECT = "always_reject"


class _MessageEvent(Event):
    master_account_id: str = Field(min_length=1, max_length=32)
    message_id: str = Field(description="the broker's message id")

    def partition_key(self) -> str:
        return f"{self.master_account_id}/{self.message_id}"


class BrokerMessageHeld(_MessageEvent):
    type: Literal["staging.message_held"] = "staging.message_held"
    message_type: str = Field(max_length=64)
    subject: str = Field(max_length=300)
    channels: list[Channel]
    recipient_count: int = Field(ge=0, description="the master's recipient accounts")
    deadline: datetime = Field(description="delivered automatically then, unless decided (UTC)")
    held_at: datetime


class BrokerMessageReleased(_MessageEvent):
    type: Literal["staging.message_released"] = "staging.message_released"
    reason: ReleaseReason
    decided_by_user_id: str | None = Field(default=None, max_length=64)
    released_at: datetime


class BrokerMessageRejected(_MessageEvent):
    type: Literal["staging.message_rejected"] = "staging.message_rejected"
    reason: RejectReason
    decided_by_user_id: str | None = Field(default=None, max_length=64)
    rejected_at: datetime


class StagingElectionChanged(Event):
    type: Literal["staging.election_changed"] = "staging.election_changed"
    master_account_id: str = Field(min_length=1, max_length=32)
    enabled: bool
    effective_at: datetime = Field(description="the next daily cut-over in the master's zone")
    changed_by_user_id: str = Field(max_length=64)
    changed_at: datetime

    def partition_key(self) -> str:
        return self.master_account_id


class AlwaysRejectChanged(Event):
    type: Literal["staging.always_reject_changed"] = "staging.always_reject_changed"
    master_account_id: str = Field(min_length=1, max_length=32)
    message_type: str = Field(max_length=64)
    active: bool
    changed_by_user_id: str = Field(max_length=64)
    changed_at: datetime

    def partition_key(self) -> str:
        return self.master_account_id


StagingEvent = Annotated[
    BrokerMessageHeld
    | BrokerMessageReleased
    | BrokerMessageRejected
    | StagingElectionChanged
    | AlwaysRejectChanged,
    Field(discriminator="type"),
]
StagingEnvelope = Envelope[StagingEvent]
