"""Time in the master's own zone (X5): the daily cut-over an election waits for, and the
deadline of a held message, both computed on the master's wall clock and correct across
daylight-saving changes.

A wall-clock time that does not exist on a day (the hour skipped when clocks go forward) is
moved forward by the length of the gap (02:30 becomes 03:30); one that happens twice (the hour
repeated when clocks go back) is its first occurrence. Both return instants in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"


def zone_named(name: str | None) -> ZoneInfo:
    """The master's zone; UTC until one is known, or when the name is not a zone."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) the master's clock shows ``at`` on ``day`` (see the module's rules)."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    # fold=0 reads a skipped time with the offset before the gap: its UTC instant is the wall
    # time moved forward by the gap; a repeated time is its first occurrence
    return local.astimezone(UTC)


def next_cutover(after: datetime, zone: ZoneInfo, at: time) -> datetime:
    """The first daily cut-over (local ``at``) strictly after ``after``."""
    day = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        candidate = wall_clock(day, at, zone)
        if candidate > after:
            return candidate
        day += timedelta(days=1)


def deadline_of(arrived_at: datetime, zone: ZoneInfo, hold_days: int) -> datetime:
    """When a message held at ``arrived_at`` is delivered with no decision: ``hold_days``
    calendar days later at the same local time (so 48 h, or 47 or 49 across a DST change)."""
    local = arrived_at.astimezone(zone)
    day = local.date() + timedelta(days=hold_days)
    return wall_clock(day, local.time().replace(tzinfo=None), zone)


@dataclass(frozen=True, slots=True)
class StagingRules:
    """The deployment's staging figures (settings): how long a hold waits, when cut-overs are."""

    hold_days: int = 2
    cutover_time: time = time(0, 0)
