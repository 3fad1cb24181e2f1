"""Page: the dashboard — statistics and the CRM panels (A1: Workflows, Notes, Calendar (today),
Documents); a panel whose service cannot answer right now is left empty."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.accounts import ApplicationStage
from contracts.api.records import (
    DocumentListQuery,
    DocumentPage,
    EventListQuery,
    EventPage,
    NoteListQuery,
    NotePage,
    TaskListQuery,
    TaskPage,
    TaskStatus,
)
from gateway.auth.rights import needs_login
from gateway.clients import analytics, records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import Clock, MasterClock, PageUser
from gateway.pages.record_forms import TASK_STATUS_LABELS
from gateway.pages.rendering import render
from gateway.people import colleague_names
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])

PanelT = TypeVar("PanelT")


@router.get("/dashboard")
async def dashboard(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    statistics, panels = None, None
    if user.access.sees_crm():  # the CRM panels; the others come with their areas
        statistics = await analytics.contact_statistics(clients, user)
        panels = await dashboard_panels(clients, database, user, clock)
    return render(request, "dashboard.html", user=user, active="dashboard", statistics=statistics,
                  stages=list(ApplicationStage), panels=panels, clock=clock,
                  zone_name=str(clock.zone), today=clock.today(), statuses=TASK_STATUS_LABELS)  # fmt: skip


@dataclass(frozen=True)
class RecordPanels:
    tasks: TaskPage | None
    notes: NotePage | None
    events_today: EventPage | None
    documents: DocumentPage | None
    people: dict[str, str]


async def optional(call: Awaitable[PanelT]) -> PanelT | None:
    """A dashboard panel's data, or None when its service cannot answer right now."""
    try:
        return await call
    except HTTPException:
        return None


async def dashboard_panels(
    clients: ServiceClients, database: Database, user: User, clock: Clock
) -> RecordPanels:
    today = clock.today()
    start, end = clock.start_of(today), clock.start_of(today + timedelta(days=1))
    open_tasks = TaskListQuery(page_size=8, sort="due_at",
                               status=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS])  # fmt: skip
    tasks, notes, events, documents = await asyncio.gather(
        optional(records.list_tasks(clients, user, open_tasks)),
        optional(records.list_notes(clients, user, NoteListQuery(page_size=5))),
        optional(records.list_events(clients, user,
                                     EventListQuery(start=start, end=end, page_size=50))),
        optional(records.list_documents(clients, user, DocumentListQuery(page_size=5))),
    )  # fmt: skip
    return RecordPanels(tasks, notes, events, documents, await colleague_names(database, user))
