"""Page: a contact's timeline (X6) — everything that happened to the client across every
service, newest first, filterable by kind, text and dates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.analytics_history import TimelineCategory, TimelineQuery
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


@router.get("/contacts/{contact_id:uuid}/timeline")
async def timeline(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep, clock: MasterClock
) -> Response:
    params = request.query_params
    values: dict[str, Any] = {k: v for k, v in params.items() if v and k != "category"}
    values["category"] = [c for c in params.getlist("category") if c]
    problem = None
    try:
        query = TimelineQuery.model_validate(values)
    except ValidationError as error:
        query, problem = TimelineQuery(), "; ".join(str(e["msg"]) for e in error.errors()[:3])
    page = await analytics.contact_timeline(clients, user, contact_id, query)
    filters = {k: v for k, v in query.model_dump(mode="json", exclude_none=True).items()
               if k not in ("page", "page_size") and v not in ([], "")}  # fmt: skip
    return render(request, "timeline.html", user=user, active="contacts", page=page, query=query,
                  values=values, problem=problem, categories=list(TimelineCategory),
                  contact_id=contact_id, link=urlencode(filters, doseq=True), clock=clock,
                  pages=max(1, -(-page.total // query.page_size)))  # fmt: skip
