"""Pages: the calendar (a month, a day) and its events, in the master account's time zone (C7)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.access import Right
from contracts.api.limits import EARLIEST_INSTANT, LATEST_INSTANT
from contracts.api.records import EventCreate, EventListQuery, EventOut, EventUpdate
from gateway.auth.rights import needs
from gateway.clients import records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.pages.deps import Clock, MasterClock, PageUser, PostedForm
from gateway.pages.record_forms import (
    local_target,
    page_context,
    parse_date,
    parse_time,
    pressed,
    record_form,
    submit,
)
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

EVENT_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


FIRST_YEAR, LAST_YEAR = EARLIEST_INSTANT.year + 1, LATEST_INSTANT.year - 2
"""The years the calendar pages show: a month's view (whole weeks) and its neighbours stay
within the agenda's instants."""


def _on_the_calendar(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HTTPException(400, f"the calendar shows the years {FIRST_YEAR} to {LAST_YEAR}")


@router.get("/calendar")
async def calendar_home() -> Response:
    return RedirectResponse("/calendar/month", status_code=303)


@router.get("/calendar/month")
async def calendar_month(
    request: Request,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
    month: str | None = None,
) -> Response:
    try:
        first = date.fromisoformat(f"{month}-01") if month else clock.today().replace(day=1)
    except ValueError as error:
        raise HTTPException(400, "month must look like 2026-03") from error
    _on_the_calendar(first)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = clock.start_of(weeks[0][0]), clock.start_of(weeks[-1][-1] + timedelta(days=1))
    events = await records.list_events(clients, user,
                                       EventListQuery(start=start, end=end, page_size=1000))  # fmt: skip
    by_day = _events_by_day(events.items, clock, weeks[0][0], weeks[-1][-1])
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(request, "calendar_month.html", user=user, active="calendar", **page_context(
        clock, first=first, weeks=weeks, by_day=by_day, today=clock.today(),
        previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"),
        weekdays=[calendar.day_abbr[(day) % 7] for day in range(7)],
    ))  # fmt: skip


def _events_by_day(
    events: list[EventOut], clock: Clock, first: date, last: date
) -> dict[date, list[EventOut]]:
    """Each event under every local day it touches (an event ending at midnight does not touch
    the next day)."""
    by_day: dict[date, list[EventOut]] = {}
    for event in events:
        day = max(clock.local_date(event.starts_at), first)
        final = min(clock.local_date(event.ends_at - timedelta(microseconds=1)), last)
        while day <= final:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    return by_day


@router.get("/calendar/day")
async def calendar_day(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    raw = request.query_params.get("date")
    try:
        day = date.fromisoformat(raw) if raw else clock.today()
    except ValueError as error:
        raise HTTPException(400, "date must look like 2026-03-14") from error
    _on_the_calendar(day)
    start, end = clock.start_of(day), clock.start_of(day + timedelta(days=1))
    events = await records.list_events(clients, user,
                                       EventListQuery(start=start, end=end, page_size=1000))  # fmt: skip
    hours = _day_hours(events.items, clock, day)
    return render(request, "calendar_day.html", user=user, active="calendar", **page_context(
        clock, day=day, events=events.items, hours=hours, today=clock.today(),
        previous=(day - timedelta(days=1)).isoformat(), following=(day + timedelta(days=1)).isoformat(),
    ))  # fmt: skip


def _day_hours(events: list[EventOut], clock: Clock, day: date) -> list[tuple[int, list[EventOut]]]:
    """The day's hour rows (business hours, widened to hold every event) with the events that
    start in each; events begun on an earlier day sit in the first row."""
    starts = {event.id: _start_hour(event, clock, day) for event in events}
    first, last = min([8, *starts.values()]), max([18, *starts.values()])
    return [
        (hour, [event for event in events if starts[event.id] == hour])
        for hour in range(first, last + 1)
    ]


def _start_hour(event: EventOut, clock: Clock, day: date) -> int:
    if clock.local_date(event.starts_at) < day:
        return 0
    return event.starts_at.astimezone(clock.zone).hour


@router.get("/calendar/events/new")
async def new_event_form(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    query = request.query_params
    day = query.get("date") or clock.today().isoformat()
    form = {"start_date": day, "end_date": day, "start_time": "09:00", "end_time": "10:00",
            "contact_id": query.get("contact_id", ""), "title": "", "location": "", "notes": ""}  # fmt: skip
    return await _event_form(request, user, clients, clock, form=form, errors={},
                             target=local_target(query.get("next"), f"/calendar/day?date={day}"))  # fmt: skip


async def _event_form(
    request: Request, user: User, clients: ServiceClients, clock: Clock, **shown: Any
) -> HTMLResponse:
    shown.setdefault("event", None)  # a new one
    return await record_form(request, user, clients, clock, "calendar_event_form.html",
                             active="calendar", **shown)  # fmt: skip


def _event_values(form: dict[str, str], clock: Clock, errors: dict[str, str]) -> dict[str, Any]:
    start_day = parse_date(form.get("start_date"), "start_date", errors)
    end_day = parse_date(form.get("end_date") or form.get("start_date"), "end_date", errors)
    start_time = parse_time(form.get("start_time"), "start_time", errors)
    end_time = parse_time(form.get("end_time"), "end_time", errors)
    values: dict[str, Any] = {
        "contact_id": form.get("contact_id") or None,
        "title": form.get("title", ""),
        "location": form.get("location") or None,
        "notes": form.get("notes") or None,
    }
    if start_day and start_time:
        values["starts_at"] = datetime.combine(start_day, start_time, tzinfo=clock.zone)
    if end_day and end_time:
        values["ends_at"] = datetime.combine(end_day, end_time, tzinfo=clock.zone)
    return values


@router.post("/calendar/events")
async def create_event(
    request: Request, user: PageUser, form: PostedForm, clock: MasterClock, clients: ClientsDep
) -> Response:
    errors: dict[str, str] = {}
    values = _event_values(form, clock, errors)
    target = local_target(form.get("next"), f"/calendar/day?date={form.get('start_date', '')}")

    async def send() -> None:
        await records.add_event(clients, user, EventCreate.model_validate(values))

    async def again(refused: dict[str, str]) -> Response:
        return await _event_form(request, user, clients, clock, form=form, errors=refused,
                                 target=target, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, fields=EVENT_FIELDS,
                        shown={404, 409, 422}, errors=errors)  # fmt: skip


@router.get("/calendar/events/{event_id}/edit")
async def edit_event_form(
    request: Request, event_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    event = await records.get_event(clients, user, event_id)
    form = {
        "contact_id": str(event.contact_id), "title": event.title, "location": event.location or "",
        "notes": event.notes or "", "start_date": clock.at(event.starts_at, "%Y-%m-%d"),
        "start_time": clock.at(event.starts_at, "%H:%M"), "end_date": clock.at(event.ends_at, "%Y-%m-%d"),
        "end_time": clock.at(event.ends_at, "%H:%M"),
    }  # fmt: skip
    target = local_target(
        request.query_params.get("next"), f"/calendar/day?date={form['start_date']}"
    )
    return await _event_form(
        request, user, clients, clock, form=form, errors={}, target=target, event=event
    )


@router.post("/calendar/events/{event_id}")
async def update_event(
    request: Request,
    event_id: UUID,
    user: PageUser,
    form: PostedForm,
    clock: MasterClock,
    clients: ClientsDep,
) -> Response:
    errors: dict[str, str] = {}
    values = _event_values(form, clock, errors)
    target = local_target(form.get("next"), f"/calendar/day?date={form.get('start_date', '')}")

    async def send() -> None:
        await records.change_event(clients, user, event_id, EventUpdate.model_validate(values))

    async def again(refused: dict[str, str]) -> Response:
        event = await records.get_event(clients, user, event_id)
        return await _event_form(request, user, clients, clock, form=form, errors=refused,
                                 target=target, event=event, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, fields=EVENT_FIELDS,
                        shown={409, 422}, errors=errors)  # fmt: skip


@router.post("/calendar/events/{event_id}/delete")
async def delete_event(
    event_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await pressed(records.delete_event(clients, user, event_id), form, "/calendar/month")
