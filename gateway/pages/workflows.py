"""Pages: workflows (tasks on contacts) — the list, adding one, editing, completing and deleting
it (C7). An assignee must be a user of the master account."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.access import Right
from contracts.api.records import TaskCreate, TaskListQuery, TaskStatus, TaskUpdate
from contracts.crm import TaskPriority
from gateway.auth.rights import needs
from gateway.clients import records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import Clock, MasterClock, PageUser, PostedForm, clock_of
from gateway.pages.record_forms import (
    TASK_STATUS_LABELS,
    list_query,
    local_target,
    page_context,
    parse_date,
    parse_time,
    pressed,
    record_form,
    submit,
)
from gateway.pages.rendering import render
from gateway.people import check_assignee, colleague_names
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

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
    tasks = await records.list_tasks(clients, user, list_query(TaskListQuery, params))
    return render(request, "workflows.html", user=user, active="dashboard", **page_context(
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
    request: Request, user: User, clients: ServiceClients, database: Database, **shown: Any
) -> HTMLResponse:
    shown.setdefault("task", None)  # a new one
    clock = await clock_of(database, user)
    return await record_form(request, user, clients, clock, "task_form.html",
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
        day = parse_date(form.get("due_date"), "due_date", errors)
        at = parse_time(form.get("due_time") or "09:00", "due_time", errors)
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
        task = TaskCreate.model_validate(values)
        await check_assignee(database, user, task.assignee_user_id)
        await records.add_task(clients, user, task)

    async def again(refused: dict[str, str]) -> Response:
        return await _task_form(request, user, clients, database, form=form, target=target,
                                errors=refused, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, fields=TASK_FIELDS,
                        shown={404, 422}, errors=errors)  # fmt: skip


@router.get("/workflows/{task_id}/edit")
async def edit_task_form(
    request: Request,
    task_id: UUID,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    task = await records.get_task(clients, user, task_id)
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
        changes = TaskUpdate.model_validate(values)
        await check_assignee(database, user, changes.assignee_user_id)
        await records.change_task(clients, user, task_id, changes)

    async def again(refused: dict[str, str]) -> Response:
        task = await records.get_task(clients, user, task_id)
        return await _task_form(request, user, clients, database, form=form, target=target,
                                task=task, errors=refused, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, fields=TASK_FIELDS,
                        shown={404, 409, 422}, errors=errors)  # fmt: skip


@router.post("/workflows/{task_id}/complete")
async def complete_task(
    task_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await pressed(records.complete_task(clients, user, task_id), form, "/workflows")


@router.post("/workflows/{task_id}/delete")
async def delete_task(
    task_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await pressed(records.delete_task(clients, user, task_id), form, "/workflows")
