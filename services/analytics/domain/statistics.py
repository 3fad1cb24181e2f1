"""The contacts statistics row, which of several states of a contact or group a read model keeps,
and which contacts a user's client scope lets them count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from contracts.access import ClientScope
from contracts.accounts import ApplicationStage
from contracts.api.analytics import ContactStatistics
from contracts.contacts import ContactKind


@dataclass(frozen=True, slots=True)
class ContactState:
    """What the statistics need of a contact, as of one version."""

    contact_id: UUID
    master_account_id: str
    version: int
    kind: str
    status: str | None
    closed: bool
    removed: bool = False
    account_number: str | None = None

    def supersedes(self, other: ContactState) -> bool:
        """Newer versions win; a removal wins over the same version still shown."""
        return self.version > other.version or (self.removed and not other.removed)


def newest_states(states: Iterable[ContactState]) -> list[ContactState]:
    """One state per contact: the one a read model keeps when all arrive together, so a batch
    upserts each contact once (an older event arriving late changes nothing)."""
    kept: dict[UUID, ContactState] = {}
    for state in states:
        current = kept.get(state.contact_id)
        if current is None or state.supersedes(current):
            kept[state.contact_id] = state
    return list(kept.values())


@dataclass(frozen=True, slots=True)
class GroupMembers:
    """A group's members as of one version; a deleted group has none."""

    group_id: UUID
    master_account_id: str
    version: int
    member_contact_ids: tuple[UUID, ...]
    deleted: bool = False

    def __post_init__(self) -> None:
        if self.deleted:
            object.__setattr__(self, "member_contact_ids", ())
        else:  # each member once, in the order given
            object.__setattr__(
                self, "member_contact_ids", tuple(dict.fromkeys(self.member_contact_ids))
            )


def newest_groups(groups: Iterable[GroupMembers]) -> list[GroupMembers]:
    """One state per group, the highest version (whole-state events: the newest replaces all)."""
    kept: dict[UUID, GroupMembers] = {}
    for group in groups:
        current = kept.get(group.group_id)
        if current is None or group.version > current.version:
            kept[group.group_id] = group
    return list(kept.values())


def within_scope(
    scope: ClientScope, *, kind: str, account_number: str | None, group_ids: Iterable[UUID]
) -> bool:
    """Whether a user with ``scope`` (and the CRM right) sees this contact: every prospect; a
    client when the scope is every client, names its account, or names a group it belongs to
    now. The statistics query applies the same rule in SQL (``store/repository.py``)."""
    if scope.all_clients or kind == ContactKind.PROSPECT:
        return True
    if account_number is not None and account_number in scope.account_numbers:
        return True
    return not scope.group_ids.isdisjoint(group_ids)


def summarize(groups: Iterable[tuple[str, str | None, bool, int]]) -> ContactStatistics:
    """Fold (kind, status, closed, count) groups into the statistics row."""
    statistics = ContactStatistics()
    for kind, status, closed, count in groups:
        statistics.total += count
        if kind == ContactKind.PROSPECT:
            statistics.prospects += count
        else:
            statistics.clients += count
        if closed:
            statistics.closed += count
        if status is not None:
            statistics.by_status[ApplicationStage(status)] += count
    return statistics
