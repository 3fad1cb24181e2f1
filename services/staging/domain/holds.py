"""Staging's rules: which election is in effect at an instant, what becomes of a broker message
flagged for review when it arrives, and which decisions a held message takes.

- An election takes effect at a cut-over; in effect at ``t`` is the latest one whose
  ``effective_at`` has come (two made the same day: the later one). None yet: staging is off.
- On arrival: staging not in effect -> released at once (``not_staged``); in effect and the
  message type always rejected -> rejected (``always_reject``); otherwise held until its deadline.
  An Always Reject saved while staging is off is kept but not applied (S5).
- A held message ends once: a decision or its deadline, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from contracts.accounts import Channel
from contracts.api.staging import Decision, HoldStatus
from contracts.staging import RejectReason, ReleaseReason
from services.runtime.read_models import newest


@dataclass(frozen=True, slots=True)
class Election:
    master_account_id: str
    enabled: bool
    effective_at: datetime
    changed_by_user_id: str
    changed_at: datetime


def _last(elections: Iterable[Election]) -> Election | None:
    """The latest to take effect; of those taking effect together, the last made (``elections``
    in the order they were made: a tie goes to the later one)."""
    ordered = sorted(elections, key=lambda e: (e.effective_at, e.changed_at))
    return ordered[-1] if ordered else None


def in_effect(elections: Iterable[Election], at: datetime) -> Election | None:
    """The election in effect at ``at`` (None: never enabled, so off)."""
    return _last(e for e in elections if e.effective_at <= at)


def latest(elections: Iterable[Election]) -> Election | None:
    """The election that will be in effect once every pending one has taken effect."""
    return _last(elections)


def staging_on(elections: Iterable[Election], at: datetime) -> bool:
    election = in_effect(elections, at)
    return election is not None and election.enabled


class Arrival(StrEnum):
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"


def on_arrival(*, staging_effective: bool, always_rejected: bool) -> Arrival:
    if not staging_effective:
        return Arrival.RELEASED
    return Arrival.REJECTED if always_rejected else Arrival.HELD


@dataclass(frozen=True, slots=True)
class Hold:
    """One broker message flagged for review, for one master (its recipient accounts only)."""

    master_account_id: str
    message_id: str
    message_type: str
    subject: str
    channels: tuple[Channel, ...]
    accounts: tuple[str, ...]
    received_at: datetime
    deadline: datetime | None
    status: HoldStatus
    release_reason: ReleaseReason | None = None
    reject_reason: RejectReason | None = None
    decided_by_user_id: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a held message ended: the status, the reason, by whom."""

    status: HoldStatus
    release_reason: ReleaseReason | None = None
    reject_reason: RejectReason | None = None

    @property
    def action(self) -> str:
        reason = self.release_reason or self.reject_reason
        assert reason is not None
        return reason.value


DECISIONS: Mapping[Decision, Outcome] = {
    Decision.SEND_AS_IS: Outcome(HoldStatus.RELEASED, release_reason=ReleaseReason.SEND_AS_IS),
    Decision.REJECT_ONCE: Outcome(HoldStatus.REJECTED, reject_reason=RejectReason.REJECT_ONCE),
    Decision.ALWAYS_REJECT: Outcome(HoldStatus.REJECTED, reject_reason=RejectReason.ALWAYS_REJECT),
}
AT_DEADLINE = Outcome(HoldStatus.RELEASED, release_reason=ReleaseReason.DEADLINE)


def arrival_hold(
    *, master_account_id: str, message_id: str, message_type: str, subject: str,
    channels: Sequence[Channel], accounts: Sequence[str], received_at: datetime,
    arrival: Arrival, deadline: datetime,
) -> Hold:  # fmt: skip
    """The hold row as the message arrives (a released or rejected one is decided already)."""
    held = Hold(
        master_account_id=master_account_id, message_id=message_id, message_type=message_type,
        subject=subject, channels=tuple(dict.fromkeys(channels)),
        accounts=tuple(dict.fromkeys(accounts)), received_at=received_at, deadline=deadline,
        status=HoldStatus.HELD,
    )  # fmt: skip
    if arrival is Arrival.HELD:
        return held
    if arrival is Arrival.REJECTED:
        return replace(held, deadline=None, status=HoldStatus.REJECTED,
                       reject_reason=RejectReason.ALWAYS_REJECT, decided_at=received_at)  # fmt: skip
    return replace(held, deadline=None, status=HoldStatus.RELEASED,
                   release_reason=ReleaseReason.NOT_STAGED, decided_at=received_at)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    master_account_id: str
    message_id: str
    action: str
    user_id: str | None
    at: datetime


# --- what staging knows of clients, groups and masters (read models kept from events) ---


@dataclass(frozen=True, slots=True)
class ClientState:
    """A contact as staging keeps it: who owns an account, and its name for the recipients."""

    contact_id: UUID
    master_account_id: str
    version: int
    kind: str
    name: str
    account_number: str | None
    closed: bool
    removed: bool = False

    def supersedes(self, other: ClientState) -> bool:
        return self.version > other.version or (self.removed and not other.removed)


@dataclass(frozen=True, slots=True)
class GroupMembers:
    group_id: UUID
    master_account_id: str
    version: int
    member_contact_ids: tuple[UUID, ...] = field(default=())
    deleted: bool = False

    def __post_init__(self) -> None:
        members = () if self.deleted else tuple(dict.fromkeys(self.member_contact_ids))
        object.__setattr__(self, "member_contact_ids", members)


@dataclass(frozen=True, slots=True)
class MasterZone:
    master_account_id: str
    time_zone: str
    changed_at: datetime


def newest_clients(states: Iterable[ClientState]) -> list[ClientState]:
    return newest(states, key=lambda s: s.contact_id, supersedes=ClientState.supersedes)


def newest_groups(groups: Iterable[GroupMembers]) -> list[GroupMembers]:
    return newest(
        groups, key=lambda g: g.group_id, supersedes=lambda g, kept: g.version > kept.version
    )


def newest_zones(zones: Iterable[MasterZone]) -> list[MasterZone]:
    return newest(zones, key=lambda z: z.master_account_id,
                  supersedes=lambda z, kept: z.changed_at > kept.changed_at)  # fmt: skip
