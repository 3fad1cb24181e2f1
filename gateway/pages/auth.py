"""Pages: logging in and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth.deps import CSRF_COOKIE, SESSION_COOKIE, OptionalUser, signed_in
from gateway.auth.login import (
    SecondFactorRequired,
    TooManyAttempts,
    WrongSecondFactor,
    authenticate,
    authenticate_second_factor,
    client_ip,
    end_session,
    open_session,
)
from gateway.auth.rights import public
from gateway.auth.two_factor import issue_pending_login, read_pending_login
from gateway.deps import DatabaseDep, SettingsDep
from gateway.pages.rendering import render
from gateway.settings import GatewaySettings
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[public()])

TOO_MANY_ATTEMPTS = "Too many failed attempts. Wait a few minutes and try again."


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/login")
async def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", user=None, next=_safe_next(next), error=None)


@router.post("/login")
async def login_submit(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/dashboard",
) -> Response:
    try:
        user = await authenticate(
            database, settings, username=username, password=password, ip=client_ip(request)
        )
    except TooManyAttempts as throttled:
        return _throttled(request, next, throttled)
    except SecondFactorRequired as needed:
        pending = issue_pending_login(needed.user, signing_key=settings.signing_key)
        return render(request, "login_two_factor.html", user=None, next=next, pending=pending,
                      error=None)  # fmt: skip
    if user is None:
        return _login_again(request, next, 401, "Wrong username or password.")
    return await _logged_in(database, settings, user, next, second_factor=False)


@router.post("/login/two-factor")
async def login_second_step(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    pending: Annotated[str, Form(max_length=2000)],
    code: Annotated[str, Form(max_length=16)] = "",
    recovery_code: Annotated[str, Form(max_length=32)] = "",
    next: Annotated[str, Form()] = "/dashboard",
) -> Response:
    """The second step of a login: the proof that the password was right, and a code (or a
    recovery code)."""
    user_id = read_pending_login(pending, signing_key=settings.signing_key)
    if user_id is None:
        return _login_again(
            request, next, 401, "The login took too long. Enter your username and password again."
        )
    try:
        user = await authenticate_second_factor(
            database, settings, user_id=user_id, code=code, ip=client_ip(request),
            recovery_code=recovery_code.strip() or None,
        )  # fmt: skip
    except TooManyAttempts as throttled:
        return _throttled(request, next, throttled)
    except WrongSecondFactor:
        error = (
            "Wrong recovery code, or one used already."
            if recovery_code.strip()
            else "Wrong code. Enter the code your app shows now."
        )
        return render(request, "login_two_factor.html", user=None, next=next, pending=pending,
                      status_code=401, error=error)  # fmt: skip
    return await _logged_in(database, settings, user, next, second_factor=True)


def _throttled(request: Request, next: str, throttled: TooManyAttempts) -> Response:
    response = _login_again(request, next, 429, TOO_MANY_ATTEMPTS)
    response.headers["Retry-After"] = str(throttled.retry_after)
    return response


def _login_again(request: Request, next: str, status_code: int, error: str) -> Response:
    """The login form again, saying why the last attempt did not log in."""
    return render(request, "login.html", user=None, next=next, status_code=status_code, error=error)


async def _logged_in(
    database: Database, settings: GatewaySettings, user: User, next: str, *, second_factor: bool
) -> RedirectResponse:
    token, _ = await open_session(database, settings, user, second_factor=second_factor)
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = settings.session_minutes * 60
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="lax", secure=settings.secure_cookies)  # fmt: skip
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), max_age=max_age,
                        samesite="strict", secure=settings.secure_cookies)  # fmt: skip
    return response


@router.post("/logout")
async def logout(request: Request, user: OptionalUser, database: DatabaseDep) -> RedirectResponse:
    if user is not None:
        await end_session(database, signed_in(request).session_id, user=user, ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response
