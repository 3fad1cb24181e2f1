"""Pages: calendars and address books in and out (issue 15) — the user's calendar subscription
(turn on, rotate, revoke; its URL shown once), a day's calendar as .ics, an .ics file onto a
contact's calendar, the contacts as vCards."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from contracts.access import Right
from contracts.api.interop import EventImportReport
from contracts.api.transfers import ImportProblem
from gateway.api.routes.calendar_feed import (
    feed_state,
    import_ics,
    read_ics_upload,
    turn_off_feed,
    turn_on_feed,
)
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.deps import ClientsDep, DatabaseDep, SettingsDep
from gateway.pages.deps import PageUser, checked_form
from gateway.pages.imports import _explained
from gateway.pages.record_forms import contact_choices
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

PAGE = "/settings/calendar"
DONE = {"revoked": "The calendar feed is off: its URL no longer works."}


@router.get(PAGE)
async def interop_page(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    return await _view(request, user, clients, database, notice=done)


@router.post(PAGE + "/feed", dependencies=[Depends(checked_form)])
async def rotate_feed(
    request: Request,
    user: PageUser,
    clients: ClientsDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> Response:
    """Turn the feed on or give it a new URL; the URL is shown on this answer only."""
    url = await turn_on_feed(database, settings, user)
    return await _view(request, user, clients, database, feed_url=url)


@router.post(PAGE + "/feed/revoke", dependencies=[Depends(checked_form)])
async def revoke_feed(user: PageUser, database: DatabaseDep) -> Response:
    await turn_off_feed(database, user)
    return RedirectResponse(f"{PAGE}?done=revoked", status_code=303)


@router.post(PAGE + "/import")
async def import_events(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    filename: str | None = None
    contact_id = ""
    try:
        upload = await read_ics_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        filename, contact_id = upload.filename, upload.fields.get("contact_id", "")
        try:
            contact = UUID(contact_id)
        except ValueError:
            raise HTTPException(422, "choose the contact whose calendar gets the events") from None
        report = await import_ics(clients, database, user, contact, upload)
    except HTTPException as refused:
        if refused.status_code == 403:
            raise
        problems, message = _explained(refused.detail)
        return await _view(
            request, user, clients, database, problems=problems, message=message,
            filename=filename, contact_id=contact_id, status_code=refused.status_code,
        )  # fmt: skip
    return await _view(
        request, user, clients, database, report=report, filename=filename, contact_id=contact_id
    )


async def _view(
    request: Request,
    user: User,
    clients: ClientsDep,
    database: DatabaseDep,
    *,
    feed_url: str | None = None,
    notice: str | None = None,
    report: EventImportReport | None = None,
    problems: list[ImportProblem] | None = None,
    message: str | None = None,
    filename: str | None = None,
    contact_id: str = "",
    status_code: int = 200,
) -> Response:
    problems = problems or []
    context: dict[str, Any] = dict(
        feed=await feed_state(database, user), feed_url=feed_url, notice=notice,
        report=report, message=message, filename=filename, contact_id=contact_id,
        contacts=await contact_choices(clients, user, contact_id or None),
        file_problems=[p for p in problems if p.row == 0],
        event_problems=[p for p in problems if p.row > 0],
        today=date.today().isoformat(),
    )  # fmt: skip
    return render(
        request, "calendar_feed.html", user=user, active="settings", status_code=status_code,
        **context,
    )  # fmt: skip
