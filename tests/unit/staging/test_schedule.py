"""Deadlines and cut-overs on the master's wall clock (X5), across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.staging.domain.schedule import deadline_of, next_cutover, zone_named

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_deadline_across_the_autumn_change_keeps_the_local_time() -> None:
    # 2026-10-30 10:00 EDT (UTC-4); clocks go back on 2026-11-01: two days later is 10:00 EST
    arrived = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)
    deadline = deadline_of(arrived, NEW_YORK, 2)
    assert deadline == datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
    assert deadline.astimezone(NEW_YORK).strftime("%H:%M %Z") == "10:00 EST"
    assert deadline - arrived == timedelta(hours=49)


def test_a_deadline_in_the_skipped_spring_hour_moves_forward_by_the_gap() -> None:
    # 2027-03-12 02:30 EST; on 2027-03-14 02:00-03:00 does not exist: 03:30 EDT (still 48 h on,
    # whereas a deadline at a time past the gap is 47 h on)
    arrived = datetime(2027, 3, 12, 7, 30, tzinfo=UTC)
    deadline = deadline_of(arrived, NEW_YORK, 2)
    assert deadline.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M %Z") == "2027-03-14 03:30 EDT"
    assert deadline - arrived == timedelta(hours=48)
    later = deadline_of(arrived + timedelta(hours=2), NEW_YORK, 2)  # 04:30 EST -> 04:30 EDT
    assert later - (arrived + timedelta(hours=2)) == timedelta(hours=47)


def test_a_deadline_in_the_repeated_autumn_hour_is_its_first_occurrence() -> None:
    arrived = datetime(2026, 10, 30, 5, 30, tzinfo=UTC)  # 01:30 EDT
    deadline = deadline_of(arrived, NEW_YORK, 2)  # 2026-11-01 01:30 happens twice
    assert deadline == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the EDT one
    assert deadline.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_the_next_cutover_is_local_midnight_and_strictly_later() -> None:
    now = datetime(2026, 3, 2, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    assert next_cutover(now, TOKYO, time(0, 0)) == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    at_cutover = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert next_cutover(at_cutover, TOKYO, time(0, 0)) == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def test_a_cutover_at_a_skipped_local_time_still_happens_that_day() -> None:
    now = datetime(2027, 3, 14, 5, 0, tzinfo=UTC)  # 00:00 EST, the spring change's night
    cutover = next_cutover(now, NEW_YORK, time(2, 30))
    assert cutover == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)  # 03:30 EDT, that same night
    after = next_cutover(cutover, NEW_YORK, time(2, 30))
    assert after.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") == "2027-03-15 02:30"


def test_an_unknown_or_missing_zone_is_utc() -> None:
    assert zone_named(None).key == "UTC"
    assert zone_named("Mars/Olympus_Mons").key == "UTC"
    assert zone_named("../../etc/passwd").key == "UTC"
    assert zone_named("Europe/Paris").key == "Europe/Paris"
