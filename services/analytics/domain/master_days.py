"""The master's calendar (X5's rule on the dashboard): "today", the last ten days of Pending
Items, the thirty of Recent Activity, the year to date of the AUM chart and the upcoming
corporate actions are counted in the master's own days, in its time zone as the gateway
announces it (``gateway.master_changed``); UTC until it has.

A window of N days is the master's today and the N whole days before it: it starts at local
midnight N days ago, so it always holds at least the last N x 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"


@dataclass(frozen=True, slots=True)
class MasterZone:
    """A master's time zone as announced at ``changed_at`` (the latest is kept)."""

    master_account_id: str
    time_zone: str
    changed_at: datetime


def zone_named(name: str | None) -> ZoneInfo:
    """The named IANA zone; UTC for none, or for a name this system does not know."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def today_in(zone: ZoneInfo, now: datetime) -> date:
    """The master's date at the instant ``now``."""
    return now.astimezone(zone).date()


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) the master's ``day`` begins (a DST gap at midnight: its first
    existing minute, as ``zoneinfo`` resolves it)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def window_start(zone: ZoneInfo, now: datetime, days: int) -> datetime:
    """The start of a window of ``days`` days ending now: local midnight ``days`` days ago."""
    return start_of(today_in(zone, now) - timedelta(days=days), zone)
