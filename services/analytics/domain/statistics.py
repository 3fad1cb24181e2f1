"""The contacts statistics row: totals by type and by application status."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.accounts import ApplicationStage
from contracts.api.analytics import ContactStatistics
from contracts.contacts import ContactKind


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
