"""Pages: client reports (A10) — the Reports tab of a client's record (the activity statement for
a period with the sections chosen, shown or as PDF or CSV; its deliveries to the client's email
of record now or monthly or quarterly, and their outcomes), the PortfolioAnalyst tab (returns by
month, quarter and year against the benchmark, with charts drawn by uPlot), and the statements of
a whole group or segment built in the background, whose progress the page polls."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from contracts.access import Right
from contracts.api.contacts import ContactDetail
from contracts.api.reports import (
    SECTIONS,
    DeliveryIn,
    Period,
    ScheduleIn,
    StatementQuery,
    StatementRunIn,
)
from gateway.auth.rights import needs
from gateway.clients import contacts, groups, reports, tools
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.downloads import passthrough_download
from gateway.pages.deps import Clock, MasterClock, PageUser, SubmittedForm
from gateway.pages.record_forms import problems
from gateway.pages.rendering import render
from gateway.pages.vendor import available
from gateway.refusals import read_as
from gateway.store.users import User

router = APIRouter(include_in_schema=False)
EITHER = [needs(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST)]
STATEMENTS = [needs(Right.ACTIVITY_STATEMENT)]
PERFORMANCE = [needs(Right.PORTFOLIO_ANALYST)]
SECTION_LABELS = {"summary": "Net asset value", "positions": "Open positions",
                  "transactions": "Transactions", "fees": "Fees", "performance": "Performance"}  # fmt: skip
REFUSALS = {404, 409, 422}


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _values(params: Any) -> dict[str, Any]:
    """A statement or delivery form's fields (several ``sections``)."""
    raw = params.getlist("sections") if hasattr(params, "getlist") else params.get("sections", [])
    sections = [raw] if isinstance(raw, str) else list(raw)
    return {"period_start": params.get("period_start") or None,
            "period_end": params.get("period_end") or None,
            "sections": [s for s in sections if s] or list(SECTIONS),
            "consolidated": params.get("consolidated") in ("1", "true", "on")}  # fmt: skip


async def _client(clients: ServiceClients, user: User, contact_id: UUID) -> ContactDetail:
    contact = await contacts.get_contact(clients, user, contact_id)
    if not contact.account_number:
        raise HTTPException(404, "this contact has no client account")
    return contact


def _refused(error: HTTPException) -> dict[str, str]:
    if error.status_code not in REFUSALS:
        raise error
    return problems(error, {})


async def _reports_tab(
    request: Request, user: User, clock: Clock, clients: ServiceClients, contact_id: UUID, *,
    errors: dict[str, str] | None = None, failed: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    contact = await _client(clients, user, contact_id)
    account = str(contact.account_number)
    start, end = last_month(clock.today())
    values = _values(request.query_params) if request.query_params.get("period_start") else {
        "period_start": start.isoformat(), "period_end": end.isoformat(), "sections": list(SECTIONS),
        "consolidated": False}  # fmt: skip
    statement, problem, linked = None, dict(errors or {}), []
    if user.access.has(Right.ACTIVITY_STATEMENT):
        linked = (await reports.consolidation(clients, user, account)).accounts
    if user.access.has(Right.ACTIVITY_STATEMENT) and request.query_params.get("show"):
        try:
            statement = await reports.statement(clients, user, account,
                                                read_as(StatementQuery, values, part="query"))  # fmt: skip
        except HTTPException as error:
            problem |= _refused(error)
            failed = failed or "statement"
    return render(request, "contact_reports.html", user=user, active="contacts", contact=contact,
                  tab="reports", clock=clock, values=values, statement=statement, errors=problem,
                  failed=failed, sections=SECTION_LABELS, linked=linked,
                  deliveries=(await reports.deliveries(clients, user, account)).items,
                  schedules=(await reports.schedules(clients, user, account)).items,
                  status_code=status_code)  # fmt: skip


@router.get("/contacts/{contact_id:uuid}/reports", dependencies=EITHER)
async def reports_tab(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    return await _reports_tab(request, user, clock, clients, contact_id)


@router.get("/contacts/{contact_id:uuid}/reports/statement.{fmt}", dependencies=STATEMENTS)
async def statement_file(
    request: Request, contact_id: UUID, fmt: str, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    contact = await _client(clients, user, contact_id)
    if fmt not in ("pdf", "csv"):
        raise HTTPException(404, "no such format")
    try:
        query = read_as(StatementQuery, _values(request.query_params), part="query")
        found = await reports.statement_file(clients, user, str(contact.account_number), query, fmt)
    except HTTPException as error:
        return await _reports_tab(request, user, clock, clients, contact_id, errors=_refused(error),
                                  failed="statement", status_code=error.status_code)  # fmt: skip
    return passthrough_download(found)


@router.post("/contacts/{contact_id:uuid}/reports/deliveries", dependencies=EITHER)
async def deliver(
    request: Request, contact_id: UUID, form: SubmittedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    contact = await _client(clients, user, contact_id)
    try:
        command = read_as(
            DeliveryIn, {**_values(form), "report": form.get("report") or "statement"}
        )
        await reports.deliver(clients, user, str(contact.account_number), command)
    except HTTPException as error:
        return await _reports_tab(request, user, clock, clients, contact_id, errors=_refused(error),
                                  failed="delivery", status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/reports#deliveries", status_code=303)


@router.post("/contacts/{contact_id:uuid}/reports/schedules", dependencies=EITHER)
async def add_schedule(
    request: Request, contact_id: UUID, form: SubmittedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    contact = await _client(clients, user, contact_id)
    try:
        command = read_as(ScheduleIn, {"report": form.get("report") or "statement",
                                       "frequency": form.get("frequency"),
                                       "sections": _values(form)["sections"]})  # fmt: skip
        await reports.add_schedule(clients, user, str(contact.account_number), command)
    except HTTPException as error:
        return await _reports_tab(request, user, clock, clients, contact_id, errors=_refused(error),
                                  failed="schedule", status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/reports#schedules", status_code=303)


@router.post(
    "/contacts/{contact_id:uuid}/reports/schedules/{schedule_id:uuid}/cancel", dependencies=EITHER
)
async def cancel_schedule(
    contact_id: UUID, schedule_id: UUID, _: SubmittedForm, user: PageUser, clients: ClientsDep
) -> Response:
    contact = await _client(clients, user, contact_id)
    await reports.cancel_schedule(clients, user, str(contact.account_number), schedule_id)
    return RedirectResponse(f"/contacts/{contact_id}/reports#schedules", status_code=303)


def _period(request: Request, today: date) -> dict[str, Any]:
    return {"period_start": request.query_params.get("period_start") or date(today.year, 1, 1).isoformat(),
            "period_end": request.query_params.get("period_end") or today.isoformat()}  # fmt: skip


@router.get("/contacts/{contact_id:uuid}/performance", dependencies=PERFORMANCE)
async def performance_tab(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    contact = await _client(clients, user, contact_id)
    values = _period(request, clock.today())
    report, errors, chart = None, {}, None
    try:
        report = await reports.performance(clients, user, str(contact.account_number),
                                           read_as(Period, values, part="query"))  # fmt: skip
    except HTTPException as error:
        errors = _refused(error)
    if report is not None:
        chart = json.dumps({
            "points": [[p.day.isoformat(), None if p.account is None else float(p.account),
                        None if p.benchmark is None else float(p.benchmark)] for p in report.points],
            "months": [[p.label, None if p.account is None else float(p.account),
                        None if p.benchmark is None else float(p.benchmark)]
                       for p in report.periods if p.frequency == "month"],
        })  # fmt: skip
    return render(request, "contact_performance.html", user=user, active="contacts",
                  contact=contact, tab="performance", values=values, report=report, errors=errors,
                  chart=chart, chart_library=available("uplot.js"),
                  status_code=422 if errors else 200)  # fmt: skip


@router.get("/contacts/{contact_id:uuid}/performance/report.{fmt}", dependencies=PERFORMANCE)
async def performance_file(
    request: Request, contact_id: UUID, fmt: str, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    contact = await _client(clients, user, contact_id)
    if fmt not in ("pdf", "csv"):
        raise HTTPException(404, "no such format")
    query = read_as(Period, _period(request, clock.today()), part="query")
    return passthrough_download(
        await reports.performance_file(clients, user, str(contact.account_number), query, fmt)
    )


# ---- statements of a group or segment --------------------------------------------------------


async def _targets(clients: ServiceClients, user: User) -> list[tuple[str, str]]:
    """(value, label) of the groups and segments the user may choose from."""
    found: list[tuple[str, str]] = []
    try:
        found += [
            (f"group:{g.id}", f"Group: {g.name}")
            for g in (await groups.list_groups(clients, user)).items
        ]
    except HTTPException as error:
        if error.status_code != 403:
            raise
    try:
        found += [
            (f"segment:{s.id}", f"Segment: {s.name}")
            for s in (await tools.list_segments(clients, user)).items
        ]
    except HTTPException as error:
        if error.status_code != 403:
            raise
    return found


async def _runs_page(
    request: Request, user: User, clock: Clock, clients: ServiceClients, *,
    errors: dict[str, str] | None = None, form: dict[str, Any] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    start, end = last_month(clock.today())
    values = form or {"period_start": start.isoformat(), "period_end": end.isoformat(),
                      "sections": list(SECTIONS), "output": "zip"}  # fmt: skip
    return render(request, "statement_runs.html", user=user, active="reports", clock=clock,
                  runs=(await reports.statement_runs(clients, user)).items,
                  targets=await _targets(clients, user), values=values, errors=errors or {},
                  sections=SECTION_LABELS, status_code=status_code)  # fmt: skip


@router.get("/reports/statements", dependencies=STATEMENTS)
async def statement_runs(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    return await _runs_page(request, user, clock, clients)


@router.post("/reports/statements", dependencies=STATEMENTS)
async def request_statement_run(
    request: Request, form: SubmittedForm, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    kind, _, target = str(form.get("target") or "").partition(":")
    values = {**_values(form), "output": form.get("output") or "zip", "target": form.get("target")}
    try:
        command = read_as(
            StatementRunIn, {**values, "target_kind": kind or None, "target_id": target or None}
        )
        if command.target_kind == "group":
            group = await groups.get_group(clients, user, command.target_id)
            command = command.model_copy(update={"target_name": group.name})
        await reports.request_statement_run(clients, user, command)
    except HTTPException as error:
        messages = _refused(error)
        for name in ("target_kind", "target_id"):
            if name in messages:
                messages["target"] = messages.pop(name)
        return await _runs_page(request, user, clock, clients, errors=messages, form=values,
                                status_code=error.status_code)  # fmt: skip
    return RedirectResponse("/reports/statements", status_code=303)


@router.get("/reports/statements/{run_id:uuid}/progress", dependencies=STATEMENTS)
async def statement_run_progress(run_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    """The run's progress for the page's poll (JSON)."""
    found = await reports.statement_run(clients, user, run_id)
    return JSONResponse({"status": found.status, "done": found.done, "total": found.total,
                         "result": f"/reports/statements/{run_id}/result" if found.status == "done" else None})  # fmt: skip


@router.get("/reports/statements/{run_id:uuid}/result", dependencies=STATEMENTS)
async def statement_run_result(run_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return passthrough_download(await reports.statement_run_result(clients, user, run_id))
