"""What the pages of CRM records (calendar, notes, workflows, documents) share: where a form may
go back to, what refused it, the contacts it offers to choose, the way a record's form is shown,
submitted and sent back with its problems, and the buttons that only do one thing.

Times are shown, and typed in, in the master account's time zone; the service keeps UTC.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import date, time
from typing import Any, TypeVar
from uuid import UUID

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from contracts.api.contacts import ContactListQuery
from contracts.api.records import TaskStatus
from gateway.clients import contacts
from gateway.clients.http import ServiceClients
from gateway.pages.deps import Clock
from gateway.pages.rendering import render
from gateway.refusals import read_as
from gateway.store.users import User

QueryT = TypeVar("QueryT", bound=BaseModel)
CONTACT_CHOICES = 200
TASK_STATUS_LABELS = {
    TaskStatus.OPEN: "Open",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.DONE: "Done",
    TaskStatus.CANCELLED: "Cancelled",
}


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


def page_context(clock: Clock, **context: Any) -> dict[str, Any]:
    return {"clock": clock, "zone_name": str(clock.zone), **context}


def parse_date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        errors[field] = "enter a date (YYYY-MM-DD)"
        return None


def parse_time(value: str | None, field: str, errors: dict[str, str]) -> time | None:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        errors[field] = "enter a time (HH:MM)"
        return None


def list_params(request: Request, defaults: dict[str, Any]) -> dict[str, Any]:
    """A list page's query: ``defaults``, 50 a page, and whatever the address says."""
    params = {**defaults, "page_size": 50}
    params.update({key: value for key, value in request.query_params.items() if value})
    return params


def list_query(model: type[QueryT], params: Mapping[str, Any]) -> QueryT:
    """A list page's ``params`` as the service reads them (its 422 if it would refuse them)."""
    return read_as(model, params, part="query")


async def contact_choices(
    clients: ServiceClients, user: User, selected: str | None
) -> list[tuple[str, str]]:
    """(id, name) of the first contacts by name, plus the selected one wherever it sorts."""
    query = ContactListQuery(page_size=CONTACT_CHOICES, sort="contact")
    page = await contacts.list_contacts(clients, user, query)
    choices = [(str(item.id), item.name) for item in page.items]
    if selected and selected not in {choice_id for choice_id, _ in choices}:
        try:
            contact = await contacts.get_contact(clients, user, UUID(selected))
        except (HTTPException, ValueError):
            return choices
        choices.insert(0, (str(contact.id), contact.name))
    return choices


async def record_form(
    request: Request,
    user: User,
    clients: ServiceClients,
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
        contacts = await contact_choices(clients, user, form.get("contact_id"))
    return render(request, template, user=user, active=active, status_code=status_code,
                  **page_context(clock, form=form, errors=errors or {}, contacts=contacts,
                                 target=target, **context))  # fmt: skip


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


async def submit(
    send: Callable[[], Awaitable[object]],
    *,
    target: str,
    again: Callable[[dict[str, str]], Awaitable[Response]],
    fields: dict[str, str] | None = None,
    shown: Collection[int],
    errors: dict[str, str] | None = None,
) -> Response:
    """A record's form submitted: on to ``target`` once ``send`` went through, else the form
    ``again`` with what refused it; ``errors`` already found in the form stop it unsent."""
    refused = errors or await form_refusal(send, fields or {}, shown=shown)
    if refused is not None:
        return await again(refused)
    return RedirectResponse(target, status_code=303)


async def pressed(action: Awaitable[object], form: dict[str, str], default: str) -> Response:
    """A form that is only a button: do what it says, then go back."""
    await action
    return RedirectResponse(local_target(form.get("next"), default), status_code=303)
