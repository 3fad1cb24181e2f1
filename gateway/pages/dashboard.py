"""Page: the dashboard — statistics and the CRM panels (Workflows, Notes, Calendar (today),
Documents)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.accounts import ApplicationStage
from contracts.api.analytics import ContactStatistics
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import MasterClock, PageUser
from gateway.pages.records import TASK_STATUS_LABELS, dashboard_panels
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
async def dashboard(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    statistics = ContactStatistics.model_validate(
        await clients.analytics.json("GET", "/statistics/contacts", user)
    )
    panels = await dashboard_panels(clients, database, user, clock)
    return render(request, "dashboard.html", user=user, active="dashboard", statistics=statistics,
                  stages=list(ApplicationStage), panels=panels, clock=clock,
                  zone_name=str(clock.zone), today=clock.today(), statuses=TASK_STATUS_LABELS)  # fmt: skip
