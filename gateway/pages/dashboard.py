"""Page: the dashboard (A1) — statistics and every panel of the seed: Pending Items, Recent
Activity, Assets Under Management (with the year-to-date return, a chart), Master Account Balance,
Workflows, Notes, Calendar (today), Documents, Corporate Actions (elections on voluntary ones) and
Messages. Each panel shows only with the rights the seed's table names, each can be hidden by the
user (remembered in their preferences), and one whose service cannot answer is left empty."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import ApplicationStage
from contracts.api.analytics_dashboard import (
    PENDING_TYPES,
    ActivityPage,
    ActivityQuery,
    AumSeries,
    CorporateActionList,
    ElectionSubmit,
    ItemType,
    MasterBalance,
    MessageList,
    PendingItemsQuery,
)
from contracts.api.margin import MarginDeficitQuery
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
from gateway.clients import analytics, margin, records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import Clock, MasterClock, PageUser, SubmittedForm
from gateway.pages.record_forms import TASK_STATUS_LABELS
from gateway.pages.rendering import render
from gateway.pages.vendor import available
from gateway.people import colleague_names
from gateway.store import preferences
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])

PanelT = TypeVar("PanelT")
HIDDEN_PANELS = "dashboard_hidden_panels"


@dataclass(frozen=True)
class Panel:
    id: str
    title: str

    def allowed(self, user: User) -> bool:
        access = user.access
        return {
            "pending": access.sees_pending_items(),
            "activity": access.sees_pending_items(),
            "aum": access.sees_aum(),
            "balance": access.sees_master_balance(),
            "workflows": access.sees_crm(),
            "notes": access.sees_crm(),
            "calendar": access.sees_crm(),
            "documents": access.sees_crm(),
            "actions": access.has(Right.ACCOUNT_INFORMATION),
            "messages": access.has(Right.COMMUNICATION_CENTER),
            "margin": access.has(Right.ACCOUNT_INFORMATION),
        }[self.id]


PANELS = (
    Panel("pending", "Pending Items"),
    Panel("activity", "Recent Activity"),
    Panel("aum", "Assets Under Management"),
    Panel("balance", "Master Account Balance"),
    Panel("workflows", "Workflows"),
    Panel("notes", "Notes"),
    Panel("calendar", "Calendar"),
    Panel("documents", "Documents"),
    Panel("actions", "Corporate Actions"),
    Panel("messages", "Messages"),
    Panel("margin", "Margin Deficits"),
)
PANEL_IDS = frozenset(panel.id for panel in PANELS)
DEFICITS = MarginDeficitQuery(limit=10)
"""The Margin Deficits panel lists the ten largest (and counts them all)."""


def hidden_panels(user: User) -> set[str]:
    saved = user.preferences.get(HIDDEN_PANELS)
    return {p for p in saved if p in PANEL_IDS} if isinstance(saved, list) else set()


async def optional(call: Awaitable[PanelT]) -> PanelT | None:
    """A dashboard panel's data, or None when its service cannot answer right now."""
    try:
        return await call
    except HTTPException:
        return None


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class RecordPanels:
    tasks: TaskPage | None
    notes: NotePage | None
    events_today: EventPage | None
    documents: DocumentPage | None
    people: dict[str, str]


@dataclass(frozen=True)
class AnalyticsPanels:
    pending: ActivityPage | None
    activity: ActivityPage | None
    aum: AumSeries | None
    balance: MasterBalance | None
    actions: CorporateActionList | None
    messages: MessageList | None


def _query(model: type[PanelT], values: dict[str, Any], fallback: PanelT) -> PanelT:
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in ("", None)})  # type: ignore[attr-defined,no-any-return]
    except ValidationError:
        return fallback


@router.get("/dashboard")
async def dashboard(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    shown = {p.id for p in PANELS if p.allowed(user)} - hidden_panels(user)
    params = request.query_params
    pending_query = _query(PendingItemsQuery, {"item_type": params.get("item_type"),
                                               "account": params.get("account"), "limit": 20},
                           PendingItemsQuery(limit=20))  # fmt: skip
    activity_query = _query(ActivityQuery, {"sort": params.get("sort"), "order": params.get("order"),
                                            "page": params.get("page"), "page_size": 15},
                            ActivityQuery(page_size=15))  # fmt: skip
    statistics = None
    if user.access.sees_crm():
        statistics = await optional(analytics.contact_statistics(clients, user))
    crm_shown = shown & {"workflows", "notes", "calendar", "documents"}
    panels = await dashboard_panels(clients, database, user, clock) if crm_shown else None

    def when(panel: str, call: Awaitable[Any]) -> Awaitable[Any]:
        if panel in shown:
            return optional(call)
        call.close()  # type: ignore[attr-defined]
        return _nothing()

    deficits = asyncio.ensure_future(
        when("margin", margin.margin_deficits(clients, user, DEFICITS))
    )
    pending, activity, aum, balance, actions, messages = await asyncio.gather(
        when("pending", analytics.pending_items(clients, user, pending_query)),
        when("activity", analytics.recent_activity(clients, user, activity_query)),
        when("aum", analytics.aum(clients, user)),
        when("balance", analytics.master_balance(clients, user)),
        when("actions", analytics.corporate_actions(clients, user)),
        when("messages", analytics.recent_messages(clients, user)),
    )
    extra = AnalyticsPanels(pending, activity, aum, balance, actions, messages)
    chart = None
    if aum is not None:
        chart = json.dumps([[p.day.isoformat(), float(p.assets), p.ytd_return] for p in aum.points])
    available_panels = [p for p in PANELS if p.allowed(user)]
    return render(request, "dashboard.html", user=user, active="dashboard", statistics=statistics,
                  stages=list(ApplicationStage), panels=panels, clock=clock, shown=shown,
                  available_panels=available_panels, extra=extra, chart=chart,
                  chart_library=available("uplot.js"), pending_query=pending_query,
                  activity_query=activity_query, pending_types=PENDING_TYPES,
                  item_types=list(ItemType), zone_name=str(clock.zone), today=clock.today(),
                  statuses=TASK_STATUS_LABELS, notice=params.get("notice"),
                  margin_deficits=await deficits)  # fmt: skip


@router.post("/dashboard/panels")
async def choose_panels(user: PageUser, form: SubmittedForm, database: DatabaseDep) -> Response:
    """Add/Edit widgets: the panels left unchecked are hidden for this user from now on."""
    chosen = form.get("show", [])
    chosen = {chosen} if isinstance(chosen, str) else set(chosen)
    hidden = sorted(PANEL_IDS - chosen)
    async with database.unit_of_work() as uow:
        await preferences.put(uow.session, user.id, HIDDEN_PANELS, hidden)
        await uow.commit()
    return RedirectResponse("/dashboard", status_code=303)


@router.post("/dashboard/corporate-actions/{action_id}/elections")
async def elect(
    action_id: str, user: PageUser, form: SubmittedForm, clients: ClientsDep
) -> Response:
    try:
        election = ElectionSubmit.model_validate(
            {"account_number": form.get("account_number"), "choice": form.get("choice")}
        )
    except ValidationError:
        return RedirectResponse("/dashboard?notice=election-invalid#panel-actions", 303)
    try:
        await analytics.elect(clients, user, action_id[:64], election)
    except HTTPException as error:
        if error.status_code >= 500:
            raise
        return RedirectResponse("/dashboard?notice=election-refused#panel-actions", 303)
    return RedirectResponse("/dashboard?notice=election-sent#panel-actions", 303)


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
