"""Pages: the master's audit log, for its primary user, filtered by action, user and days;
its CSV export is the API's (/api/v1/audit-log.csv, audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.auth.rights import needs_primary
from gateway.deps import DatabaseDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render
from gateway.store import audit, people
from gateway.store.audit import AuditAction, AuditFilter

router = APIRouter(include_in_schema=False, dependencies=[needs_primary()])

PAGE_SIZE = 50


@router.get("/settings/audit-log")
async def audit_log_page(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    first_day: Annotated[str, Query(alias="from", max_length=10)] = "",
    last_day: Annotated[str, Query(alias="to", max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The filters come as typed: a value that is not one (an unknown action, a malformed day)
    is shown back with an error instead of filtering."""
    errors = []
    known_action = action if action in {each.value for each in AuditAction} else None
    if action and known_action is None:
        errors.append("Choose an action from the list.")
    days = {}
    for name, text in (("from", first_day), ("to", last_day)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            days[name] = None
            errors.append(f"The “{name}” day must be a date like 2026-01-31.")
    async with database.read() as session:
        zone = await people.master_time_zone(session, user.master_account_id)
        where = AuditFilter.of_days(action=known_action, actor_username=actor,
                                    first_day=days["from"], last_day=days["to"], zone=zone)  # fmt: skip
        entries = await audit.entries(session, user.master_account_id, where=where,
                                      limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
        total = await audit.count(session, user.master_account_id, where=where)
    query = {key: value for key, value in (("action", known_action or ""), ("actor", actor),
             ("from", first_day if days["from"] else ""), ("to", last_day if days["to"] else ""))
             if value}  # fmt: skip
    response = render(
        request, "audit_log.html", user=user, active="settings", entries=entries, total=total,
        page=page, pages=max(1, -(-total // PAGE_SIZE)), zone=zone, errors=errors,
        actions=[each.value for each in AuditAction], chosen={"action": action, "actor": actor,
        "from": first_day, "to": last_day}, query=urlencode(query),
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response
