"""What a page needs before it starts: a logged-in user, a form whose CSRF token matches, the
master's clock. Without a user a page sends the browser to the login page (``LoginRequired``,
turned into that redirect by ``login_redirect``), before any form is read; and the profile's
form description, kept between pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contracts.api.contacts import ProfileForm
from gateway.auth.deps import OptionalUser, check_csrf
from gateway.auth.rights import API_PREFIX, AccessDenied, LoginRequired
from gateway.clients import contacts
from gateway.clients.http import ServiceClients
from gateway.deps import DatabaseDep
from gateway.pages.rendering import render, to_login
from gateway.store import people
from gateway.store.users import User
from services.runtime.db import Database
from services.runtime.http_errors import http_error_response


async def login_redirect(request: Request, _: Exception) -> Response:
    """The exception handler of ``LoginRequired``: to the login page, and back here after."""
    return to_login(request)


async def access_denied(request: Request, error: Exception) -> Response:
    """The exception handler of ``AccessDenied``: a page says why; the API answers JSON."""
    assert isinstance(error, AccessDenied)
    if request.url.path.startswith(API_PREFIX):
        return await http_error_response(request, error)
    return render(request, "forbidden.html", user=getattr(request.state, "user", None),
                  status_code=403, reason=error.detail)  # fmt: skip


async def page_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired
    return user


PageUser = Annotated[User, Depends(page_user)]


async def checked_form(request: Request, _: PageUser) -> FormData:
    """The submitted form, once someone is logged in and its CSRF token matches the cookie's."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


async def posted_form(form: CheckedForm) -> dict[str, str]:
    """Each field's (last) value, trimmed; without the CSRF token."""
    return {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}


PostedForm = Annotated[dict[str, str], Depends(posted_form)]


async def submitted_form(form: CheckedForm) -> dict[str, Any]:
    """Every field as sent, one given several times as a list."""
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form[key] for key in form}


SubmittedForm = Annotated[dict[str, Any], Depends(submitted_form)]


@dataclass(frozen=True)
class Clock:
    """Renders UTC moments in the master's zone and reads the zone's wall-clock input."""

    zone: ZoneInfo

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def today(self) -> date:
        return self.now().date()

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone)

    def at(self, moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(self.zone).strftime(pattern) if moment else ""

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


async def clock_of(database: Database, user: User) -> Clock:
    async with database.read() as session:
        return Clock(await people.master_time_zone(session, user.master_account_id))


async def master_clock(user: PageUser, database: DatabaseDep) -> Clock:
    return await clock_of(database, user)


MasterClock = Annotated[Clock, Depends(master_clock)]


class ProfileForms:
    """The profile's form description: static per contacts release, so fetched when a page
    first needs it and kept a few minutes."""

    def __init__(self, seconds: float = 300.0) -> None:
        self._seconds = seconds
        self._kept: tuple[float, ProfileForm] | None = None

    async def get(self, clients: ServiceClients, user: User) -> ProfileForm:
        if self._kept and self._kept[0] > monotonic():
            return self._kept[1]
        form = await contacts.get_profile_form(clients, user)
        self._kept = (monotonic() + self._seconds, form)
        return form


async def profile_forms(request: Request) -> ProfileForms:
    forms: ProfileForms = request.app.state.profile_forms
    return forms


ProfileFormsDep = Annotated[ProfileForms, Depends(profile_forms)]
