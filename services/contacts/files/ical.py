"""iCalendar (RFC 5545) files of CRM calendar events and tasks (issue 15), bytes in and out.

Written with the ``icalendar`` library: a calendar of events (``VEVENT``) and of open tasks with a
due date (each a ``VEVENT`` at its due time, so that every calendar client shows it: Google and
Outlook ignore ``VTODO`` in subscriptions), times in the master's time zone with its
``VTIMEZONE``. Read: one or many ``VEVENT``\\ s as Outlook, Google or Apple write them, with their
``VTIMEZONE``\\ s, Windows zone names or IANA ones; all-day and floating times are read in the
importing master's time zone. The result holds every event or every problem (``CellError.row``
= the VEVENT's number in the file, ``column`` = the property), never a part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from pydantic import ValidationError

from contracts.api.limits import MAX_LISTED_PROBLEMS, more_problems_message
from contracts.api.records import EventCreate
from contracts.crm import TaskStatus
from services.contacts.domain.records import CalendarEvent, Task
from services.contacts.files.results import FILE_LEVEL_ROW, CellError, FileRejected
from services.contacts.files.text import decode_text

MAX_ICS_BYTES = 1024 * 1024
MAX_IMPORTED_EVENTS = 500
PRODUCT_ID = "-//Advisor Portal//CRM calendar//EN"
UID_DOMAIN = "advisor-portal"
_PROPERTY_OF_FIELD = {
    "title": "SUMMARY",
    "starts_at": "DTSTART",
    "ends_at": "DTEND",
    "location": "LOCATION",
    "notes": "DESCRIPTION",
}


def time_zone(name: str | None) -> tzinfo:
    """The IANA zone of that name; UTC for none or an unknown one."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# --- writing ----------------------------------------------------------------------------------


def calendar_file(
    events: Iterable[CalendarEvent],
    tasks: Iterable[Task] = (),
    *,
    name: str,
    zone: tzinfo = UTC,
    now: datetime,
) -> bytes:
    """An iCalendar file of ``events`` and of the open ``tasks`` with a due date."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if zone is not UTC:
        calendar.add("x-wr-timezone", str(zone))
    events = list(events)
    due = [task for task in tasks if task.due_at is not None and task.active]
    times = [moment for event in events for moment in (event.starts_at, event.ends_at)]
    times += [task.due_at for task in due if task.due_at is not None]
    if zone is not UTC and times:
        calendar.add_component(_time_zone(zone, min(times), max(times)))
    for event in events:
        calendar.add_component(_event_component(event, zone, now))
    for task in due:
        calendar.add_component(_task_component(task, zone, now))
    return bytes(calendar.to_ical())


def _time_zone(zone: tzinfo, first: datetime, last: datetime) -> icalendar.Timezone:
    """The zone's VTIMEZONE, with the transitions from a year before the calendar's span to a
    year after it: short (a decades-long list of RDATEs is misread by some clients), yet holding
    both the standard and the summer rule — clients keep the first definition they saw of a
    TZID, so a one-day file's must not be summer time only."""
    return icalendar.Timezone.from_tzid(
        str(zone),
        first_date=(first - timedelta(days=366)).date(),
        last_date=(last + timedelta(days=366)).date(),
    )


def _event_component(event: CalendarEvent, zone: tzinfo, now: datetime) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    component.add("dtstamp", now.astimezone(UTC))
    component.add("dtstart", event.starts_at.astimezone(zone))
    component.add("dtend", event.ends_at.astimezone(zone))
    component.add("summary", event.title)
    component.add("sequence", event.version - 1)
    component.add("created", event.created_at.astimezone(UTC))
    component.add("last-modified", event.updated_at.astimezone(UTC))
    if event.location:
        component.add("location", event.location)
    description = "\n\n".join(part for part in (f"With {event.contact_name}", event.notes) if part)
    component.add("description", description)
    component.add("categories", ["Meeting"])
    return component


def _task_component(task: Task, zone: tzinfo, now: datetime) -> icalendar.Event:
    assert task.due_at is not None
    due = task.due_at.astimezone(zone)
    component = icalendar.Event()
    component.add("uid", f"task-{task.id}@{UID_DOMAIN}")
    component.add("dtstamp", now.astimezone(UTC))
    component.add("dtstart", due)
    component.add("dtend", due + timedelta(minutes=30))
    component.add("summary", f"Due: {task.title}")
    component.add("sequence", task.version - 1)
    component.add("last-modified", task.updated_at.astimezone(UTC))
    component.add("transp", "TRANSPARENT")
    component.add("categories", ["Task"])
    status = "in progress" if task.status == TaskStatus.IN_PROGRESS else "open"
    parts = [f"Task ({status}, {task.priority.value} priority) for {task.contact_name}"]
    if task.description:
        parts.append(task.description)
    component.add("description", "\n\n".join(parts))
    return component


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventImport:
    """Either ``events`` (every VEVENT valid) or ``errors`` (then ``events`` is empty)."""

    events: list[EventCreate] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def failed(cls, errors: list[CellError]) -> EventImport:
        ordered = sorted(errors, key=lambda error: error.row)
        if len(ordered) > MAX_LISTED_PROBLEMS:
            more = CellError(
                FILE_LEVEL_ROW, "", more_problems_message(len(ordered) - MAX_LISTED_PROBLEMS)
            )
            ordered = [*ordered[:MAX_LISTED_PROBLEMS], more]
        return cls(errors=ordered)


def parse_ics(content: bytes, *, contact_id: UUID, zone: tzinfo = UTC) -> EventImport:
    """The events of an .ics file for one contact, or every problem found in it. All-day dates
    and floating times are read in ``zone`` (the master's)."""
    try:
        components = _vevents(content)
    except FileRejected as rejected:
        return EventImport.failed([CellError(FILE_LEVEL_ROW, "", str(rejected))])
    events: list[EventCreate] = []
    errors: list[CellError] = []
    for number, component in enumerate(components, start=1):
        event, problems = _read_event(number, component, contact_id, zone)
        errors += problems
        if event is not None:
            events.append(event)
    if errors:
        return EventImport.failed(errors)
    return EventImport(events=events)


def _vevents(content: bytes) -> list[Any]:
    if len(content) > MAX_ICS_BYTES:
        raise FileRejected(
            f"the file is {len(content):,} bytes; .ics files may have at most {MAX_ICS_BYTES:,}"
        )
    text = decode_text(content)
    if "BEGIN:VCALENDAR" not in text.upper():
        raise FileRejected("the file holds no calendar (BEGIN:VCALENDAR ... END:VCALENDAR)")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except RecursionError:
        raise FileRejected("the calendar cannot be read: it is nested too deeply") from None
    except Exception as exc:  # icalendar raises assorted errors on damaged files
        raise FileRejected(f"the calendar cannot be read: {_short(exc)}") from None
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    if not events:
        raise FileRejected("the calendar holds no event (VEVENT)")
    if len(events) > MAX_IMPORTED_EVENTS:
        raise FileRejected(
            f"the file has {len(events):,} events; at most {MAX_IMPORTED_EVENTS} "
            "can be imported at once"
        )
    return events


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _read_event(
    number: int, component: Any, contact_id: UUID, zone: tzinfo
) -> tuple[EventCreate | None, list[CellError]]:
    errors = [
        CellError(number, str(name or ""), f"cannot be read: {str(message)[:200]}")
        for name, message in getattr(component, "errors", [])
    ]
    if errors:
        return None, errors
    if "RRULE" in component or "RDATE" in component:
        errors.append(
            CellError(
                number, "RRULE",
                "repeating events are not imported; export the single occurrences instead",
            )
        )  # fmt: skip
    starts_at = _instant(number, component, "DTSTART", zone, errors)
    ends_at = _end(number, component, starts_at, zone, errors)
    if errors or starts_at is None or ends_at is None:
        return None, errors
    try:
        event = EventCreate(
            contact_id=contact_id,
            title=_text(component, "SUMMARY"),
            starts_at=starts_at,
            ends_at=ends_at,
            location=_text(component, "LOCATION") or None,
            notes=_text(component, "DESCRIPTION") or None,
        )
    except ValidationError as exc:
        return None, [
            CellError(
                number, _property(error["loc"]), str(error["msg"]).removeprefix("Value error, ")
            )
            for error in exc.errors(include_url=False)
        ]
    if event.ends_at <= event.starts_at:
        return None, [CellError(number, "DTEND", "the end must be after the start")]
    return event, []


def _property(loc: tuple[Any, ...]) -> str:
    return _PROPERTY_OF_FIELD.get(str(loc[0]) if loc else "", "")


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _instant(
    number: int, component: Any, name: str, zone: tzinfo, errors: list[CellError]
) -> datetime | None:
    if name not in component:
        errors.append(CellError(number, name, f"the event has no {name}"))
        return None
    try:
        value = component.decoded(name)
    except Exception as exc:  # a value icalendar cannot read
        errors.append(CellError(number, name, f"the time cannot be read: {_short(exc)}"))
        return None
    return _aware(value, zone)


def _aware(value: Any, zone: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)  # floating: local time
        return moment.astimezone(UTC)
    if isinstance(value, date):  # an all-day event: from that day's start in the master's zone
        return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)
    return None


def _end(
    number: int, component: Any, starts_at: datetime | None, zone: tzinfo, errors: list[CellError]
) -> datetime | None:
    if "DTEND" in component:
        return _instant(number, component, "DTEND", zone, errors)
    if starts_at is None:
        return None
    if "DURATION" in component:
        try:
            duration = component.decoded("DURATION")
        except Exception as exc:
            errors.append(CellError(number, "DURATION", f"cannot be read: {_short(exc)}"))
            return None
        if isinstance(duration, timedelta):
            return starts_at + duration
    start = component.decoded("DTSTART")
    if isinstance(start, date) and not isinstance(start, datetime):
        return starts_at + timedelta(days=1)  # RFC 5545: an all-day event lasts that day
    errors.append(
        CellError(number, "DTEND", "the event has neither DTEND nor DURATION; it needs an end")
    )
    return None
