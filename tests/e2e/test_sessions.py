"""Sessions through the gateway: a logout ends its session at once, and only a session that
used a two-factor code may export the full client data."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from deploy.stack import Stack
from gateway import admin
from gateway.api.routes.imports import TWO_FACTOR_LOGIN_NEEDED
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_imports_and_two_factor import turn_on_two_factor
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e
CLIENT_DATA = "/api/v1/contacts/export/client-data.xlsx"


def test_a_logout_ends_that_session_only(stack: Stack, newcomer: str) -> None:
    first, second = login(stack, newcomer), login(stack, newcomer)
    assert first.post("/api/v1/auth/logout").status_code == 204
    assert first.get("/api/v1/auth/me").status_code == 401
    assert first.post("/api/v1/auth/logout").status_code == 401
    assert second.get("/api/v1/auth/me").json()["username"] == newcomer


def test_the_portal_logout_ends_the_cookies_session(stack: Stack, newcomer: str) -> None:
    browser = httpx.Client(base_url=stack.portal_url, timeout=15)
    logged_in = browser.post("/login", data={"username": newcomer, "password": DEMO_PASSWORD})
    assert logged_in.status_code == 303
    kept = dict(browser.cookies)
    assert browser.get("/dashboard").status_code == 200
    assert browser.post("/logout").status_code == 303
    replayed = httpx.Client(base_url=stack.portal_url, timeout=15, cookies=kept)
    assert replayed.get("/dashboard").status_code == 303  # to the login page
    assert replayed.get("/api/v1/auth/me").status_code == 401


def test_only_a_session_that_used_a_code_exports_client_data(stack: Stack, newcomer: str) -> None:
    enabling, older = login(stack, newcomer), login(stack, newcomer)
    turn_on_two_factor(enabling)  # giving a code to turn it on counts for this session
    refused = older.get(CLIENT_DATA)
    assert (refused.status_code, refused.json()["detail"]) == (403, TWO_FACTOR_LOGIN_NEEDED)
    assert enabling.get(CLIENT_DATA).status_code == 200


def test_an_operator_helps_a_user_who_lost_a_phone_a_laptop_or_a_password(
    stack: Stack, newcomer: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway_database = stack.database_url("gateway")
    phone_user, laptop = login(stack, newcomer), login(stack, newcomer)
    turn_on_two_factor(phone_user)

    assert asyncio.run(admin.reset_two_factor(gateway_database, newcomer)) == 2
    assert phone_user.get("/api/v1/auth/me").status_code == 401
    assert laptop.get("/api/v1/auth/me").status_code == 401
    again = login(stack, newcomer)  # the password alone is enough again
    assert again.get("/api/v1/auth/me").json()["totp_enabled"] is False

    monkeypatch.setenv("DATABASE_URL", gateway_database)
    assert admin.main(["end-sessions", "--username", newcomer]) == 0
    assert capsys.readouterr().out.strip().endswith("1 session(s) ended")
    assert again.get("/api/v1/auth/me").status_code == 401
    assert admin.main(["end-sessions", "--username", "nobody-at-all"]) == 1

    asyncio.run(admin.set_password(gateway_database, newcomer, "a-new-password-2026"))
    old = httpx.post(f"{stack.portal_url}/api/v1/auth/login",
                     json={"username": newcomer, "password": DEMO_PASSWORD})  # fmt: skip
    assert old.status_code == 401
    assert login(stack, newcomer, "a-new-password-2026").get("/api/v1/auth/me").status_code == 200
