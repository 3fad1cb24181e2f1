"""Pages: calendar (month/day), notes, workflows, documents; the contact agenda (C7).

Times are shown, and typed in, in the master account's time zone; the service keeps UTC.
"""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from contracts.api.contacts import ContactDetail
from contracts.api.records import (
    DocumentPage,
    EventCreate,
    EventOut,
    EventPage,
    EventUpdate,
    NoteCreate,
    NoteOut,
    NotePage,
    NoteUpdate,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskStatus,
    TaskUpdate,
)
from contracts.crm import TaskPriority
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.api.routes.records import check_assignee, download_from, read_upload, upload_to
from gateway.auth.deps import check_csrf
from gateway.clients import ServiceClient
from gateway.pages.deps import Clock, MasterClock, PageUser, PostedForm, clock_of
from gateway.pages.rendering import render
from gateway.store import people
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False)

ModelT = TypeVar("ModelT", bound=BaseModel)
CONTACT_CHOICES = 200
TASK_STATUS_LABELS = {
    TaskStatus.OPEN: "Open",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.DONE: "Done",
    TaskStatus.CANCELLED: "Cancelled",
}


# The page's frame: where a form may go back to, what refused it, what it offers to choose


def local_target(value: str | None, default: str) -> str:
    """Where to go after a form: only a path of this site (never another host)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def problems(error: ValidationError | HTTPException, fields: dict[str, str]) -> dict[str, str]:
    """Field -> message from a validation error or a service's 4xx; ``fields`` maps the API's
    field names to the form's. What names no field goes under ``_``."""
    if isinstance(error, ValidationError):
        items: Any = error.errors(include_url=False, include_context=False)
    else:
        items = error.detail
    if not isinstance(items, list):
        return {"_": str(items)}
    found: dict[str, str] = {}
    for item in items:
        loc = [str(part) for part in item.get("loc", ()) if part != "body"]
        name = fields.get(loc[-1], loc[-1]) if loc else "_"
        found.setdefault(name, str(item.get("msg", "invalid")).removeprefix("Value error, "))
    return found


async def optional(call: Awaitable[Any]) -> Any:
    """A dashboard panel's data, or None when its service cannot answer right now."""
    try:
        return await call
    except HTTPException:
        return None


async def fetch(
    service: ServiceClient, user: User, path: str, model: type[ModelT], **params: Any
) -> ModelT:
    return model.model_validate(await service.json("GET", path, user, params=params or None))


async def contact_choices(
    service: ServiceClient, user: User, selected: str | None
) -> list[tuple[str, str]]:
    """(id, name) of the first contacts by name, plus the selected one wherever it sorts."""
    page = await service.json(
        "GET", "/contacts", user, params={"page_size": CONTACT_CHOICES, "sort": "contact"}
    )
    choices = [(str(item["id"]), item["name"]) for item in page["items"]]
    if selected and selected not in {choice_id for choice_id, _ in choices}:
        try:
            contact = await service.json("GET", f"/contacts/{UUID(selected)}", user)
        except (HTTPException, ValueError):
            return choices
        choices.insert(0, (str(contact["id"]), contact["name"]))
    return choices


async def colleague_names(database: Database, user: User) -> dict[str, str]:
    async with database.read() as session:
        found = await people.colleagues(session, user.master_account_id)
    return {colleague.id: colleague.display_name for colleague in found}


def _page_context(clock: Clock, **context: Any) -> dict[str, Any]:
    return {"clock": clock, "zone_name": str(clock.zone), **context}


def _parse_date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        errors[field] = "enter a date (YYYY-MM-DD)"
        return None


def _parse_time(value: str | None, field: str, errors: dict[str, str]) -> time | None:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        errors[field] = "enter a time (HH:MM)"
        return None


async def form_refusal(
    attempt: Callable[[], Awaitable[object]], fields: dict[str, str], *, shown: Collection[int]
) -> dict[str, str] | None:
    """Submit a form: None when ``attempt`` went through, else the ``problems`` of what refused it
    (invalid input, or a service's 4xx among ``shown``); other errors pass."""
    try:
        await attempt()
    except ValidationError as error:
        return problems(error, fields)
    except HTTPException as error:
        if error.status_code not in shown:
            raise
        return problems(error, fields)
    return None


async def _record_form(
    request: Request,
    user: User,
    clients: ClientsDep,
    clock: Clock,
    template: str,
    *,
    form: dict[str, str],
    target: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    active: str = "dashboard",
    contacts: list[tuple[str, str]] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A record's form; its contact is chosen among the master's unless ``contacts`` is given."""
    if contacts is None:
        contacts = await contact_choices(clients.contacts, user, form.get("contact_id"))
    return render(request, template, user=user, active=active, status_code=status_code,
                  **_page_context(clock, form=form, errors=errors or {}, contacts=contacts,
                                  target=target, **context))  # fmt: skip


# Calendar


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
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = clock.start_of(weeks[0][0]), clock.start_of(weeks[-1][-1] + timedelta(days=1))
    events = await fetch(clients.contacts, user, "/events", EventPage, start=start.isoformat(),
                         end=end.isoformat(), page_size=1000)  # fmt: skip
    by_day = _events_by_day(events.items, clock, weeks[0][0], weeks[-1][-1])
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(request, "calendar_month.html", user=user, active="calendar", **_page_context(
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
    start, end = clock.start_of(day), clock.start_of(day + timedelta(days=1))
    events = await fetch(clients.contacts, user, "/events", EventPage, start=start.isoformat(),
                         end=end.isoformat(), page_size=1000)  # fmt: skip
    hours = _day_hours(events.items, clock, day)
    return render(request, "calendar_day.html", user=user, active="calendar", **_page_context(
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


EVENT_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


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
    request: Request, user: User, clients: ClientsDep, clock: Clock, **shown: Any
) -> HTMLResponse:
    shown.setdefault("event", None)  # a new one
    return await _record_form(request, user, clients, clock, "calendar_event_form.html",
                              active="calendar", **shown)  # fmt: skip


def _event_values(form: dict[str, str], clock: Clock, errors: dict[str, str]) -> dict[str, Any]:
    start_day = _parse_date(form.get("start_date"), "start_date", errors)
    end_day = _parse_date(form.get("end_date") or form.get("start_date"), "end_date", errors)
    start_time = _parse_time(form.get("start_time"), "start_time", errors)
    end_time = _parse_time(form.get("end_time"), "end_time", errors)
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
        command = EventCreate.model_validate(values)
        await clients.contacts.json("POST", "/events", user, json=command.model_dump(mode="json"))

    refused = errors or await form_refusal(send, EVENT_FIELDS, shown={404, 409, 422})
    if refused is not None:
        return await _event_form(request, user, clients, clock, form=form, errors=refused,
                                 target=target, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.get("/calendar/events/{event_id}/edit")
async def edit_event_form(
    request: Request, event_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    event = await fetch(clients.contacts, user, f"/events/{event_id}", EventOut)
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
        command = EventUpdate.model_validate(values)
        await clients.contacts.json("PATCH", f"/events/{event_id}", user,
                                    json=command.model_dump(mode="json", exclude_unset=True))  # fmt: skip

    refused = errors or await form_refusal(send, EVENT_FIELDS, shown={409, 422})
    if refused is not None:
        event = await fetch(clients.contacts, user, f"/events/{event_id}", EventOut)
        return await _event_form(request, user, clients, clock, form=form, errors=refused,
                                 target=target, event=event, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.post("/calendar/events/{event_id}/delete")
async def delete_event(
    event_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _button(user, form, clients, "DELETE", f"/events/{event_id}", "/calendar/month")


async def _button(
    user: User, form: dict[str, str], clients: ClientsDep, method: str, path: str, default: str
) -> Response:
    """A form that is only a button: do what it says, then go back."""
    await clients.contacts.call(method, path, user)
    return RedirectResponse(local_target(form.get("next"), default), status_code=303)


# Notes


@router.get("/notes")
async def notes_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    params = _list_params(request, {"sort": "created_at", "order": "desc"})
    notes = await fetch(clients.contacts, user, "/notes", NotePage, **params)
    return render(request, "notes.html", user=user, active="dashboard", **_page_context(
        clock, notes=notes, params=params, authors=await colleague_names(database, user),
        pages=max(1, -(-notes.total // notes.page_size)),
    ))  # fmt: skip


def _list_params(request: Request, defaults: dict[str, Any]) -> dict[str, Any]:
    params = {**defaults, "page_size": 50}
    params.update({key: value for key, value in request.query_params.items() if value})
    return params


@router.get("/notes/new")
async def new_note_form(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form = {"contact_id": request.query_params.get("contact_id", ""), "body": ""}
    target = local_target(request.query_params.get("next"), "/notes")
    return await _note_form(request, user, clients, database, form=form, target=target)


async def _note_form(
    request: Request, user: User, clients: ClientsDep, database: Database, **shown: Any
) -> HTMLResponse:
    """A note's contact is chosen when it is written, not changed after."""
    note = shown.setdefault("note", None)
    clock = await clock_of(database, user)
    return await _record_form(request, user, clients, clock, "note_form.html",
                              contacts=[] if note else None, **shown)  # fmt: skip


@router.post("/notes")
async def create_note(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep, database: DatabaseDep
) -> Response:
    target = local_target(form.get("next"), "/notes")
    try:
        contact_id = UUID(form.get("contact_id", ""))
    except ValueError:
        return await _note_form(request, user, clients, database, form=form, target=target,
                                errors={"contact_id": "choose a contact"}, status_code=422)  # fmt: skip

    async def send() -> None:
        command = NoteCreate.model_validate({"body": form.get("body", "")})
        await clients.contacts.json("POST", f"/contacts/{contact_id}/notes", user,
                                    json=command.model_dump(mode="json"))  # fmt: skip

    refused = await form_refusal(send, {}, shown={404, 422})
    if refused is not None:
        return await _note_form(request, user, clients, database, form=form, target=target,
                                errors=refused, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.get("/notes/{note_id}/edit")
async def edit_note_form(
    request: Request, note_id: UUID, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    note = await fetch(clients.contacts, user, f"/notes/{note_id}", NoteOut)
    target = local_target(request.query_params.get("next"), "/notes")
    form = {"contact_id": str(note.contact_id), "body": note.body}
    return await _note_form(request, user, clients, database, form=form, target=target, note=note)


@router.post("/notes/{note_id}")
async def update_note(
    request: Request,
    note_id: UUID,
    user: PageUser,
    form: PostedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    target = local_target(form.get("next"), "/notes")

    async def send() -> None:
        command = NoteUpdate.model_validate({"body": form.get("body", "")})
        await clients.contacts.json(
            "PATCH", f"/notes/{note_id}", user, json=command.model_dump(mode="json")
        )

    refused = await form_refusal(send, {}, shown={422})
    if refused is not None:
        note = await fetch(clients.contacts, user, f"/notes/{note_id}", NoteOut)
        return await _note_form(request, user, clients, database, form=form, target=target,
                                note=note, errors=refused, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.post("/notes/{note_id}/delete")
async def delete_note(
    note_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _button(user, form, clients, "DELETE", f"/notes/{note_id}", "/notes")


# Workflows (tasks)

TASK_FIELDS = {"due_at": "due_date"}


@router.get("/workflows")
async def workflows_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    show = request.query_params.get("show", "active")
    params: dict[str, Any] = {"sort": request.query_params.get("sort", "due_at"),
                              "order": request.query_params.get("order", "asc"),
                              "page": request.query_params.get("page", "1"), "page_size": 50}  # fmt: skip
    if show == "active":
        params["status"] = [TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value]
    elif show in {status.value for status in TaskStatus}:
        params["status"] = [show]
    if request.query_params.get("mine"):
        params["assignee_user_id"] = str(user.id)
    tasks = await fetch(clients.contacts, user, "/tasks", TaskPage, **params)
    return render(request, "workflows.html", user=user, active="dashboard", **_page_context(
        clock, tasks=tasks, show=show, mine=bool(request.query_params.get("mine")), params=params,
        assignees=await colleague_names(database, user), statuses=TASK_STATUS_LABELS,
        pages=max(1, -(-tasks.total // tasks.page_size)),
        show_options=[("active", "Open and in progress"), ("all", "All"),
                      *[(status.value, label) for status, label in TASK_STATUS_LABELS.items()]],
    ))  # fmt: skip


@router.get("/workflows/new")
async def new_task_form(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form = {"contact_id": request.query_params.get("contact_id", ""), "title": "", "description": "",
            "assignee_user_id": str(user.id), "priority": TaskPriority.NORMAL.value, "due_date": "",
            "due_time": "", "status": TaskStatus.OPEN.value, "email_reminder": ""}  # fmt: skip
    target = local_target(request.query_params.get("next"), "/workflows")
    return await _task_form(request, user, clients, database, form=form, target=target)


async def _task_form(
    request: Request, user: User, clients: ClientsDep, database: Database, **shown: Any
) -> HTMLResponse:
    shown.setdefault("task", None)  # a new one
    clock = await clock_of(database, user)
    return await _record_form(request, user, clients, clock, "task_form.html",
                              assignees=await colleague_names(database, user),
                              priorities=list(TaskPriority), statuses=TASK_STATUS_LABELS, **shown)  # fmt: skip


def _task_values(form: dict[str, str], clock: Clock, errors: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "contact_id": form.get("contact_id") or None,
        "title": form.get("title", ""),
        "description": form.get("description") or None,
        "assignee_user_id": form.get("assignee_user_id") or None,
        "priority": form.get("priority") or TaskPriority.NORMAL.value,
        "email_reminder": form.get("email_reminder") == "on",
        "due_at": None,
    }
    if form.get("due_date"):
        day = _parse_date(form.get("due_date"), "due_date", errors)
        at = _parse_time(form.get("due_time") or "09:00", "due_time", errors)
        if day and at:
            values["due_at"] = datetime.combine(day, at, tzinfo=clock.zone)
    return values


@router.post("/workflows")
async def create_task(
    request: Request,
    user: PageUser,
    form: PostedForm,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    errors: dict[str, str] = {}
    values = _task_values(form, clock, errors)
    target = local_target(form.get("next"), "/workflows")

    async def send() -> None:
        command = TaskCreate.model_validate(values)
        await check_assignee(database, user, command.assignee_user_id)
        await clients.contacts.json("POST", "/tasks", user, json=command.model_dump(mode="json"))

    refused = errors or await form_refusal(send, TASK_FIELDS, shown={404, 422})
    if refused is not None:
        return await _task_form(request, user, clients, database, form=form, target=target,
                                errors=refused, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.get("/workflows/{task_id}/edit")
async def edit_task_form(
    request: Request,
    task_id: UUID,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    task = await fetch(clients.contacts, user, f"/tasks/{task_id}", TaskOut)
    form = {"contact_id": str(task.contact_id), "title": task.title, "description": task.description or "",
            "assignee_user_id": task.assignee_user_id, "priority": task.priority.value,
            "due_date": clock.at(task.due_at, "%Y-%m-%d"), "due_time": clock.at(task.due_at, "%H:%M"),
            "status": task.status.value, "email_reminder": "on" if task.email_reminder else ""}  # fmt: skip
    target = local_target(request.query_params.get("next"), "/workflows")
    return await _task_form(request, user, clients, database, form=form, target=target, task=task)


@router.post("/workflows/{task_id}")
async def update_task(
    request: Request,
    task_id: UUID,
    user: PageUser,
    form: PostedForm,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    errors: dict[str, str] = {}
    values = _task_values(form, clock, errors) | {"status": form.get("status") or None}
    target = local_target(form.get("next"), "/workflows")

    async def send() -> None:
        command = TaskUpdate.model_validate(values)
        await check_assignee(database, user, command.assignee_user_id)
        await clients.contacts.json("PATCH", f"/tasks/{task_id}", user,
                                    json=command.model_dump(mode="json", exclude_unset=True))  # fmt: skip

    refused = errors or await form_refusal(send, TASK_FIELDS, shown={404, 409, 422})
    if refused is not None:
        task = await fetch(clients.contacts, user, f"/tasks/{task_id}", TaskOut)
        return await _task_form(request, user, clients, database, form=form, target=target,
                                task=task, errors=refused, status_code=422)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.post("/workflows/{task_id}/complete")
async def complete_task(
    task_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _button(user, form, clients, "POST", f"/tasks/{task_id}/complete", "/workflows")


@router.post("/workflows/{task_id}/delete")
async def delete_task(
    task_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _button(user, form, clients, "DELETE", f"/tasks/{task_id}", "/workflows")


# Documents


@router.get("/documents")
async def documents_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    params = _list_params(request, {})
    documents = await fetch(clients.contacts, user, "/documents", DocumentPage, **params)
    return render(request, "documents.html", user=user, active="dashboard", **_page_context(
        clock, documents=documents, params=params, uploaders=await colleague_names(database, user),
        pages=max(1, -(-documents.total // documents.page_size)),
    ))  # fmt: skip


@router.get("/documents/new")
async def new_document_form(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form = {"contact_id": request.query_params.get("contact_id", "")}
    target = local_target(request.query_params.get("next"), "/documents")
    return await _document_form(request, user, clients, database, form=form, target=target)


async def _document_form(
    request: Request, user: User, clients: ClientsDep, database: Database, **shown: Any
) -> HTMLResponse:
    clock = await clock_of(database, user)
    return await _record_form(request, user, clients, clock, "document_form.html", **shown)


@router.post("/documents")
async def create_document(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form: dict[str, str] = {}
    target = "/documents"
    try:
        upload = await read_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        form = {"contact_id": upload.fields.get("contact_id", "")}
        target = local_target(upload.fields.get("next"), target)
        try:
            contact_id = UUID(form["contact_id"])
        except ValueError:
            raise _form_problem("contact_id", "choose a contact") from None
        await upload_to(clients.contacts, user, contact_id, upload)
    except HTTPException as error:
        if error.status_code not in {404, 413, 415, 422}:
            raise
        messages = problems(error, {})
        if "_" in messages:
            messages["file"] = messages.pop("_")
        return await _document_form(request, user, clients, database, form=form, target=target,
                                    errors=messages, status_code=error.status_code)  # fmt: skip
    return RedirectResponse(target, status_code=303)


def _form_problem(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", field], "msg": message}])


@router.get("/documents/{document_id}/view")
async def view_document(document_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return await download_from(clients.contacts, user, document_id, "inline")


@router.get("/documents/{document_id}/download")
async def download_document(document_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return await download_from(clients.contacts, user, document_id, "attachment")


@router.post("/documents/{document_id}/delete")
async def delete_document(
    document_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _button(user, form, clients, "DELETE", f"/documents/{document_id}", "/documents")


# The contact's agenda (C11)


@router.get("/contacts/{contact_id}/agenda")
async def contact_agenda(
    request: Request,
    contact_id: UUID,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    service = clients.contacts
    contact = await fetch(service, user, f"/contacts/{contact_id}", ContactDetail)
    scope = {"contact_id": str(contact_id)}
    tasks, notes, documents, events = await asyncio.gather(
        fetch(service, user, "/tasks", TaskPage, **scope, sort="due_at", page_size=100),
        fetch(service, user, "/notes", NotePage, **scope, page_size=100),
        fetch(service, user, f"/contacts/{contact_id}/documents", DocumentPage, page_size=100),
        fetch(service, user, "/events", EventPage, **scope, page_size=200),
    )
    now = clock.now()
    return render(request, "contact_agenda.html", user=user, active="contacts", **_page_context(
        clock, contact=contact, tab="agenda", tasks=tasks, notes=notes, documents=documents,
        upcoming=[event for event in events.items if event.ends_at >= now],
        past=[event for event in events.items if event.ends_at < now][::-1],
        here=f"/contacts/{contact_id}/agenda", statuses=TASK_STATUS_LABELS,
        people=await colleague_names(database, user),
    ))  # fmt: skip


# The dashboard's panels (A1: Workflows, Notes, Calendar (today), Documents)


@dataclass(frozen=True)
class RecordPanels:
    tasks: TaskPage | None
    notes: NotePage | None
    events_today: EventPage | None
    documents: DocumentPage | None
    people: dict[str, str]


async def dashboard_panels(
    clients: ClientsDep, database: Database, user: User, clock: Clock
) -> RecordPanels:
    service = clients.contacts
    today = clock.today()
    start, end = clock.start_of(today), clock.start_of(today + timedelta(days=1))
    tasks, notes, events, documents = await asyncio.gather(
        optional(fetch(service, user, "/tasks", TaskPage, page_size=8, sort="due_at",
                       status=[TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value])),
        optional(fetch(service, user, "/notes", NotePage, page_size=5)),
        optional(fetch(service, user, "/events", EventPage, start=start.isoformat(),
                       end=end.isoformat(), page_size=50)),
        optional(fetch(service, user, "/documents", DocumentPage, page_size=5)),
    )  # fmt: skip
    return RecordPanels(tasks, notes, events, documents, await colleague_names(database, user))
