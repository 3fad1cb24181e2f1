"""Pages: the user's settings (two-factor authentication and its recovery codes, their
sessions, task reminders by email)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import two_factor
from gateway.auth.deps import CSRF_COOKIE, SESSION_COOKIE, signed_in
from gateway.auth.login import client_ip, end_own_session, own_sessions
from gateway.auth.rights import needs_login
from gateway.deps import DatabaseDep, SettingsDep
from gateway.pages.deps import PageUser, checked_form
from gateway.pages.rendering import render
from gateway.settings import GatewaySettings
from gateway.store import preferences
from gateway.store.users import User
from gateway.users.events import set_email_reminders
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])

DONE = {
    "enabled": "Two-factor authentication is on. You will be asked for a code when you log in.",
    "disabled": "Two-factor authentication is off.",
    "session-ended": "The session has ended: its device must log in again.",
    "reminders-on": "Your task reminders will be emailed to you as well.",
    "reminders-off": "Your task reminders will appear in your Message Center only.",
}
CODES_SHOWN = {
    "enabled": DONE["enabled"] + " Save your recovery codes now.",
    "recovery-codes": "New recovery codes: the earlier ones no longer work. Save these now.",
}
CodeField = Annotated[str, Form(max_length=16)]


@router.get("/settings")
async def settings_page(
    request: Request, user: PageUser, database: DatabaseDep, done: str | None = None
) -> Response:
    return await _settings_view(request, user, database, notice=DONE.get(done or ""))


@router.post("/settings/two-factor/setup", dependencies=[Depends(checked_form)])
async def setup(request: Request, user: PageUser, database: DatabaseDep) -> Response:
    try:
        await two_factor.start_setup(database, user)
    except HTTPException as refused:
        return await _settings_view(request, user, database, error=refused.detail,
                                    status_code=refused.status_code)  # fmt: skip
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/two-factor/enable", dependencies=[Depends(checked_form)])
async def enable(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    settings: SettingsDep,
    code: CodeField = "",
) -> Response:
    """Turn it on; the page shows the recovery codes this once (no redirect to lose them)."""
    enable_here = partial(two_factor.enable, session_id=signed_in(request).session_id)
    return await _with_code(request, user, database, settings, code, enable_here, "enabled")


@router.post("/settings/two-factor/recovery-codes", dependencies=[Depends(checked_form)])
async def regenerate_recovery_codes(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    settings: SettingsDep,
    code: CodeField = "",
) -> Response:
    change = two_factor.regenerate_recovery_codes
    return await _with_code(request, user, database, settings, code, change, "recovery-codes")


@router.post("/settings/two-factor/disable", dependencies=[Depends(checked_form)])
async def disable(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    settings: SettingsDep,
    code: CodeField = "",
) -> Response:
    change = two_factor.disable
    return await _with_code(request, user, database, settings, code, change, "disabled")


@router.post("/settings/reminders", dependencies=[Depends(checked_form)])
async def save_reminders(
    user: PageUser, database: DatabaseDep, email_reminders: Annotated[str, Form(max_length=8)] = ""
) -> Response:
    """X3: "Email me my task reminders" (an unchecked box sends nothing: off)."""
    on = email_reminders == "on"
    async with database.transaction() as uow:
        await set_email_reminders(uow, user, email=on)
    done = "reminders-on" if on else "reminders-off"
    return RedirectResponse(f"/settings?done={done}#reminders-heading", status_code=303)


@router.post("/settings/sessions/{session_id}/end", dependencies=[Depends(checked_form)])
async def end_session(
    session_id: UUID, request: Request, user: PageUser, database: DatabaseDep
) -> Response:
    """End one of the user's sessions; ending this one logs out here too."""
    ended = await end_own_session(database, user, session_id, ip=client_ip(request))
    if ended and session_id == signed_in(request).session_id:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(CSRF_COOKIE)
        return response
    return RedirectResponse("/settings?done=session-ended#sessions-heading", status_code=303)


async def _with_code(
    request: Request,
    user: User,
    database: Database,
    settings: GatewaySettings,
    code: str,
    change: Callable[..., Awaitable[list[str] | None]],
    done: str,
) -> Response:
    """A change of two-factor authentication, confirmed by a code from the user's app."""
    try:
        codes = await change(database, settings, user, code, ip=client_ip(request))
    except HTTPException as refused:
        return await _refused(request, user, database, refused)
    if codes:
        changed = replace(user, totp_enabled=True)
        return await _settings_view(request, changed, database, notice=CODES_SHOWN[done],
                                    recovery_codes=codes)  # fmt: skip
    return RedirectResponse(f"/settings?done={done}", status_code=303)


async def _refused(
    request: Request, user: User, database: Database, refused: HTTPException
) -> Response:
    if isinstance(refused, two_factor.WrongCode):
        error = "Wrong code. Enter the six-digit code your app shows now."
    else:
        error = str(refused.detail).capitalize() + "."
    return await _settings_view(request, user, database, error=error,
                                status_code=refused.status_code)  # fmt: skip


async def _settings_view(
    request: Request,
    user: User,
    database: Database,
    *,
    notice: str | None = None,
    error: object = None,
    status_code: int = 200,
    recovery_codes: list[str] | None = None,
) -> Response:
    current = signed_in(request).session_id
    response = render(
        request, "settings.html", user=user, active="settings", status_code=status_code,
        setup=two_factor.setup_of(user), notice=notice, error=error,
        recovery_codes=recovery_codes, sessions=await own_sessions(database, user),
        current_session=current, email_reminders=preferences.email_reminders(user.preferences),
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # the page may show a secret or codes
    return response
