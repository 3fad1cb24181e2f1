"""/api/v1/audit-log: the master's audit log, for its primary user; and its CSV export (itself
audited)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.api.audit import AUDIT_CSV_ROW_LIMIT, AUDIT_PAGE_SIZE_LIMIT, AuditEntry, AuditPage
from gateway.api.responses import CSV, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.login import client_ip
from gateway.auth.rights import needs_primary
from gateway.deps import DatabaseDep
from gateway.store import audit, people
from gateway.store.audit import AuditAction, AuditFilter
from gateway.store.users import User

router = APIRouter(tags=["audit"], dependencies=[needs_primary()])

ActionQuery = Annotated[AuditAction | None, Query(description="only entries of this action")]
ActorQuery = Annotated[
    str | None, Query(max_length=64, description="only entries of this username")
]
FromQuery = Annotated[
    date | None, Query(alias="from", description="from this day (the master's time zone)")
]
ToQuery = Annotated[
    date | None, Query(alias="to", description="to this day, inclusive (the master's time zone)")
]
CSV_COLUMNS = ("at", "action", "actor", "target", "client_ip", "details")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@router.get("/audit-log")
async def audit_log(
    user: CurrentUser,
    database: DatabaseDep,
    action: ActionQuery = None,
    actor: ActorQuery = None,
    first_day: FromQuery = None,
    last_day: ToQuery = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=AUDIT_PAGE_SIZE_LIMIT)] = 50,
) -> AuditPage:
    """The master's audit log, newest first."""
    async with database.read() as session:
        where, _ = await _filter(session, user, action, actor, first_day, last_day)
        found = await audit.entries(session, user.master_account_id, where=where,
                                    limit=page_size, offset=(page - 1) * page_size)  # fmt: skip
        total = await audit.count(session, user.master_account_id, where=where)
    items = [AuditEntry.model_validate(entry, from_attributes=True) for entry in found]
    return AuditPage(items=items, total=total, page=page, page_size=page_size)


@router.get(
    "/audit-log.csv",
    response_class=Response,
    responses=file_download(CSV, f"the matching entries, newest first (at most "
                                 f"{AUDIT_CSV_ROW_LIMIT:,}; UTF-8)"),
)  # fmt: skip
async def audit_log_csv(
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    action: ActionQuery = None,
    actor: ActorQuery = None,
    first_day: FromQuery = None,
    last_day: ToQuery = None,
) -> Response:
    """The matching entries as CSV; the export itself goes into the log."""
    async with database.read() as session:
        where, zone = await _filter(session, user, action, actor, first_day, last_day)
        found = await audit.entries(session, user.master_account_id, where=where,
                                    limit=AUDIT_CSV_ROW_LIMIT)  # fmt: skip
    asked = {"action": action, "actor": actor, "from": first_day, "to": last_day}
    await audit.record_export(
        database, user, kind="audit-log.csv", client_ip=client_ip(request),
        row_filter={key: str(value) for key, value in asked.items() if value},
    )  # fmt: skip
    return Response(
        _csv(found, zone).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


async def _filter(
    session: AsyncSession,
    user: User,
    action: AuditAction | None,
    actor: str | None,
    first_day: date | None,
    last_day: date | None,
) -> tuple[AuditFilter, ZoneInfo]:
    """The filter of the query's days, in the master's time zone."""
    zone = await people.master_time_zone(session, user.master_account_id)
    where = AuditFilter.of_days(action=action, actor_username=actor, first_day=first_day,
                                last_day=last_day, zone=zone)  # fmt: skip
    return where, zone


def _csv(entries: list[audit.Entry], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_cell(value) for value in (
            entry.at.astimezone(zone).isoformat(timespec="seconds"), entry.action,
            entry.actor_username or "", entry.target or "", entry.client_ip or "",
            json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
        )])  # fmt: skip
    return out.getvalue()


def _cell(value: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value
