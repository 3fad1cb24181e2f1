"""Issue 15: .ics files in (Outlook, Google, Apple exports, RFC 5545's example) and out (read
back with an independent parser: vobject)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import vobject

from contracts.crm import TaskStatus
from services.contacts.domain.records import CalendarEvent, Task
from services.contacts.files.ical import MAX_ICS_BYTES, calendar_file, parse_ics

FIXTURES = Path(__file__).parents[2] / "fixtures" / "interop"
CONTACT = uuid4()
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def events_of(name: str, zone: ZoneInfo = NEW_YORK) -> list[Any]:
    result = parse_ics((FIXTURES / name).read_bytes(), contact_id=CONTACT, zone=zone)
    assert result.errors == []
    return result.events


def problems(content: str) -> list[tuple[int, str, str]]:
    result = parse_ics(content.encode(), contact_id=CONTACT)
    assert result.events == []
    return [(error.row, error.column, error.message) for error in result.errors]


def test_outlook_windows_zone_with_its_vtimezone() -> None:
    [event] = events_of("outlook.ics")
    # 10:00 "Eastern Standard Time", on a date in daylight saving time: 14:00 UTC
    assert event.starts_at == datetime(2026, 3, 16, 14, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(minutes=90)
    assert event.title == "Annual review – Hanna Schmidt"
    assert event.location == "Conference Room 2, 5th floor"
    assert event.contact_id == CONTACT


def test_google_utc_and_all_day_events() -> None:
    timed, all_day = events_of("google.ics", zone=ZoneInfo("Europe/Berlin"))
    assert timed.starts_at == datetime(2026, 4, 10, 8, tzinfo=UTC)
    assert timed.location is None
    # an all-day date is that day in the master's zone
    assert all_day.starts_at == datetime(2026, 4, 14, 22, tzinfo=UTC)
    assert all_day.ends_at == datetime(2026, 4, 15, 22, tzinfo=UTC)


def test_apple_iana_zone_and_multiline_location() -> None:
    [event] = events_of("apple.ics")
    assert event.starts_at == datetime(2026, 5, 20, 10, 30, tzinfo=UTC)  # 12:30 CEST
    assert event.location == "Kronenhalle\nRämistrasse 4, 8001 Zürich"


def test_rfc5545_example_with_folded_description() -> None:
    [event] = events_of("rfc5545.ics")
    assert (event.starts_at, event.ends_at) == (
        datetime(1996, 9, 18, 14, 30, tzinfo=UTC),
        datetime(1996, 9, 20, 22, tzinfo=UTC),
    )
    assert event.notes == (
        "Networld+Interop Conference and Exhibit\nAtlanta World Congress Center\nAtlanta, Georgia"
    )


def vevent(*lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"


def vcalendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        + "".join(events)
        + ("END:VCALENDAR\r\n")
    )


GOOD = vevent("UID:1", "DTSTART:20260101T100000Z", "DTEND:20260101T110000Z", "SUMMARY:Call")


def test_every_problem_by_event_number_and_property_and_nothing_imported() -> None:
    content = vcalendar(
        GOOD,
        vevent("UID:2", "SUMMARY:No start"),
        vevent("UID:3", "DTSTART:20260101T100000Z", "DTEND:20260101T090000Z", "SUMMARY:Back"),
        vevent("UID:4", "DTSTART:20260101T100000Z", "RRULE:FREQ=WEEKLY", "DURATION:PT1H",
               "SUMMARY:Weekly"),
        vevent("UID:5", "DTSTART:20260101T100000Z", "DURATION:PT1H"),
        vevent("UID:6", "DTSTART:2026-13-45", "DURATION:PT1H", "SUMMARY:Bad"),
        vevent("UID:7", "DTSTART:20260101T100000Z", "DURATION:PT1H", "SUMMARY:" + "x" * 300),
    )  # fmt: skip
    found = {(row, column) for row, column, _ in problems(content)}
    assert found == {
        (2, "DTSTART"), (3, "DTEND"), (4, "RRULE"), (5, "SUMMARY"), (6, "DTSTART"), (7, "SUMMARY")
    }  # fmt: skip


def test_duration_and_floating_times() -> None:
    content = vcalendar(vevent("UID:1", "DTSTART:20260701T090000", "DURATION:PT45M", "SUMMARY:X"))
    [event] = parse_ics(content.encode(), contact_id=CONTACT, zone=NEW_YORK).events
    assert event.starts_at == datetime(2026, 7, 1, 13, tzinfo=UTC)  # 09:00 EDT
    assert event.ends_at == datetime(2026, 7, 1, 13, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "no calendar"),
        (b"first,last\nA,B\n", "no calendar"),
        (b"BEGIN:VCALENDAR\x00\x01\x02", "binary"),
        (vcalendar().encode(), "no event"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;;;=:\r\n", "no event"),
        (b"x" * (MAX_ICS_BYTES + 1), "at most 1,048,576"),
        (vcalendar(GOOD * 501).encode(), "at most 500"),
        ("BEGIN:VCALENDAR\r\n\ud800\r\n".encode("utf-8", "surrogatepass"), ""),
    ],
)
def test_whole_file_refusals(content: bytes, expected: str) -> None:
    result = parse_ics(content, contact_id=CONTACT)
    assert result.events == [] and len(result.errors) == 1
    assert result.errors[0].row == 0 and expected in result.errors[0].message


def records() -> tuple[list[CalendarEvent], list[Task]]:
    base: dict[str, Any] = dict(
        master_account_id="M1", contact_id=CONTACT, created_at=NOW, updated_at=NOW
    )
    event = CalendarEvent(
        **base, title="Review; Q1, allocations", created_by="u1", contact_name="Ann Lee",
        starts_at=datetime(2026, 3, 16, 14, tzinfo=UTC),
        ends_at=datetime(2026, 3, 16, 15, 30, tzinfo=UTC),
        location="Office\nRoom 2", notes="Bring the IPS", version=3,
    )  # fmt: skip
    task = Task(
        **base, title="Send the RMD form", assignee_user_id="u1", created_by="u1",
        contact_name="Ann Lee", due_at=datetime(2026, 3, 20, 21, tzinfo=UTC),
    )  # fmt: skip
    done = replace(task, id=uuid4(), title="Done already", status=TaskStatus.DONE)
    undated = replace(task, id=uuid4(), title="No date", due_at=None)
    return [event], [task, done, undated]


def test_calendar_reads_back_with_an_independent_parser_in_the_master_zone() -> None:
    events, tasks = records()
    content = calendar_file(events, tasks, name="Ann's calendar", zone=NEW_YORK, now=NOW)
    calendar = vobject.readOne(content.decode())
    assert calendar.version.value == "2.0"
    assert [tz.tzid.value for tz in calendar.contents["vtimezone"]] == ["America/New_York"]
    meeting, due = calendar.vevent_list
    assert meeting.summary.value == "Review; Q1, allocations"
    assert meeting.location.value == "Office\nRoom 2"
    assert b"DTSTART;TZID=America/New_York:20260316T100000" in content
    assert meeting.dtstart.value.replace(tzinfo=None) == datetime(2026, 3, 16, 10)  # local time
    assert meeting.dtstart.value.astimezone(UTC) == events[0].starts_at
    assert meeting.dtend.value.astimezone(UTC) == events[0].ends_at
    assert meeting.uid.value == f"event-{events[0].id}@advisor-portal"
    assert meeting.sequence.value == "2"
    assert "Ann Lee" in meeting.description.value and "Bring the IPS" in meeting.description.value
    assert due.summary.value == "Due: Send the RMD form"
    assert due.dtstart.value.astimezone(UTC) == tasks[0].due_at
    assert due.transp.value == "TRANSPARENT"


def test_exported_events_import_again_unchanged() -> None:
    events, _ = records()
    content = calendar_file(events, name="x", zone=NEW_YORK, now=NOW)
    [again] = parse_ics(content, contact_id=CONTACT).events
    original = events[0]
    assert (again.title, again.starts_at, again.ends_at, again.location) == (
        original.title, original.starts_at, original.ends_at, original.location,
    )  # fmt: skip
