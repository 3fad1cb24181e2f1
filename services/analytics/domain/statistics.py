"""The contacts statistics row, and which of several states of a contact a read model keeps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

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
