"""Pages: the user's settings (two-factor authentication)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import two_factor
from gateway.auth.deps import signed_in
from gateway.auth.login import client_ip
from gateway.auth.rights import needs_login
from gateway.deps import DatabaseDep, SettingsDep
from gateway.pages.deps import PageUser, checked_form
from gateway.pages.rendering import render
from gateway.settings import GatewaySettings
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])

DONE = {
    "enabled": "Two-factor authentication is on. You will be asked for a code when you log in.",
    "disabled": "Two-factor authentication is off.",
}
CodeField = Annotated[str, Form(max_length=16)]


@router.get("/settings")
async def settings_page(request: Request, user: PageUser, done: str | None = None) -> Response:
    return _settings_view(request, user, notice=DONE.get(done or ""))


@router.post("/settings/two-factor/setup", dependencies=[Depends(checked_form)])
async def setup(request: Request, user: PageUser, database: DatabaseDep) -> Response:
    try:
        await two_factor.start_setup(database, user)
    except HTTPException as refused:
        return _settings_view(request, user, error=refused.detail, status_code=refused.status_code)
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/two-factor/enable", dependencies=[Depends(checked_form)])
async def enable(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    settings: SettingsDep,
    code: CodeField = "",
) -> Response:
    enable_here = partial(two_factor.enable, session_id=signed_in(request).session_id)
    return await _with_code(request, user, database, settings, code, enable_here, "enabled")


@router.post("/settings/two-factor/disable", dependencies=[Depends(checked_form)])
async def disable(
    request: Request,
    user: PageUser,
    database: DatabaseDep,
    settings: SettingsDep,
    code: CodeField = "",
) -> Response:
    return await _with_code(request, user, database, settings, code, two_factor.disable, "disabled")


async def _with_code(
    request: Request,
    user: User,
    database: Database,
    settings: GatewaySettings,
    code: str,
    change: Callable[..., Awaitable[None]],
    done: str,
) -> Response:
    """Turn two-factor authentication on or off, confirmed by a code from the user's app."""
    try:
        await change(database, settings, user, code, ip=client_ip(request))
    except HTTPException as refused:
        return _refused(request, user, refused)
    return RedirectResponse(f"/settings?done={done}", status_code=303)


def _refused(request: Request, user: User, refused: HTTPException) -> Response:
    if isinstance(refused, two_factor.WrongCode):
        error = "Wrong code. Enter the six-digit code your app shows now."
    else:
        error = str(refused.detail).capitalize() + "."
    return _settings_view(request, user, error=error, status_code=refused.status_code)


def _settings_view(
    request: Request,
    user: User,
    *,
    notice: str | None = None,
    error: object = None,
    status_code: int = 200,
) -> Response:
    response = render(
        request, "settings.html", user=user, active="settings", status_code=status_code,
        setup=two_factor.setup_of(user), notice=notice, error=error,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # the page may show a TOTP secret
    return response
