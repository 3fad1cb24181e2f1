"""What every page checks before it starts: someone logged in (else to the login page and back),
then the form's CSRF token; the form as the handlers read it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import FormData

from gateway import app as gateway_app
from gateway.auth.deps import CSRF_COOKIE, Authentication, authentication
from gateway.pages.deps import posted_form, submitted_form
from gateway.settings import GatewaySettings
from gateway.store.users import User

ADVISOR = User(id=UUID(int=7), master_account_id="T1000001", username="ann", is_primary=True,
               display_name="Ann Advisor", password_hash="")  # fmt: skip
NOTE = "00000000-0000-0000-0000-000000000001"


class Untouched:
    """Stands for the services and the database where a page must not reach them."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the page went on to use {name!r}")


class Contacts:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def call(self, method: str, path: str, user: User) -> None:
        assert user is ADVISOR
        self.calls.append((method, path))


class Clients:
    def __init__(self) -> None:
        self.contacts = Contacts()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    for name in ("configure_logging", "configure_telemetry", "instrument_http"):
        monkeypatch.setattr(gateway_app, name, lambda *_, **__: None)
    app = gateway_app.create_app(GatewaySettings(database_url="postgresql://127.0.0.1:1/unused"))
    app.state.clients = app.state.database = Untouched()
    return app


@contextlib.asynccontextmanager
async def client_as(app: FastAPI, user: User | None) -> AsyncIterator[httpx.AsyncClient]:
    app.dependency_overrides[authentication] = lambda: Authentication(user, from_cookie=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                 cookies={CSRF_COOKIE: "the-token"}) as client:  # fmt: skip
        yield client


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_as(app, None) as client:
        yield client


@pytest.fixture
async def advisor(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_as(app, ADVISOR) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "back"),
    [
        ("/workflows?show=all&mine=1", "%2Fworkflows%3Fshow%3Dall%26mine%3D1"),
        ("/calendar/month?month=2031-06", "%2Fcalendar%2Fmonth%3Fmonth%3D2031-06"),
        ("/dashboard", "%2Fdashboard"),
        ("/contacts", "%2Fcontacts"),
        ("/groups", "%2Fgroups"),
        ("/settings", "%2Fsettings"),
        ("/areas/fees", "%2Fareas%2Ffees"),
    ],
)
async def test_an_anonymous_visit_goes_to_the_login_page_and_back(
    anonymous: httpx.AsyncClient, path: str, back: str
) -> None:
    response = await anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={back}"
    assert response.content == b""


@pytest.mark.parametrize(
    "path",
    ["/workflows", f"/notes/{NOTE}/delete", "/contacts", "/contacts/merge",
     f"/groups/{NOTE}/delete", "/settings/two-factor/enable", "/documents", "/contacts/import"],
)  # fmt: skip
async def test_an_anonymous_form_goes_to_the_login_page_before_its_token_is_checked(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    response = await anonymous.post(path, data={"csrf_token": "wrong", "title": "x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + path.replace("/", "%2F")


@pytest.mark.parametrize(
    "path",
    ["/workflows", "/calendar/events", f"/notes/{NOTE}/delete", "/contacts", "/contacts/merge",
     f"/contacts/{NOTE}/close", f"/groups/{NOTE}/delete", "/settings/two-factor/setup",
     "/settings/two-factor/enable"],
)  # fmt: skip
@pytest.mark.parametrize("token", ["wrong", None])
async def test_a_form_with_a_wrong_token_is_refused_before_anything_is_done(
    advisor: httpx.AsyncClient, path: str, token: str | None
) -> None:
    data = {"title": "x"} | ({"csrf_token": token} if token else {})
    response = await advisor.post(path, data=data)
    assert response.status_code == 403
    assert response.json() == {"detail": "missing or wrong CSRF token"}


async def test_a_form_with_the_right_token_goes_through(
    app: FastAPI, advisor: httpx.AsyncClient
) -> None:
    app.state.clients = clients = Clients()
    deleted = await advisor.post(f"/notes/{NOTE}/delete",
                           data={"csrf_token": "the-token", "next": "/contacts/1/agenda"})  # fmt: skip
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/contacts/1/agenda")
    group = await advisor.post(f"/groups/{NOTE}/delete", data={"csrf_token": "the-token"})
    assert (group.status_code, group.headers["location"]) == (303, "/groups?done=group-deleted")
    assert clients.contacts.calls == [("DELETE", f"/notes/{NOTE}"), ("DELETE", f"/groups/{NOTE}")]


async def test_a_posted_form_is_trimmed_and_a_submitted_one_keeps_repeated_fields() -> None:
    form = FormData([("csrf_token", "t"), ("title", "  Call Ann "), ("id", "1"), ("id", "2")])
    assert await posted_form(form) == {"title": "Call Ann", "id": "2"}
    assert await submitted_form(form) == {"csrf_token": "t", "title": "  Call Ann ",
                                          "id": ["1", "2"]}  # fmt: skip
