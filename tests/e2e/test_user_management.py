"""User management (G2) through the gateway's public API with the whole system running: the
primary user adds a user, the set-password email lands in the stack's mail capture, its link
sets the password once, the new user's access is limited to their rights; deactivation,
primacy, tenancy and taken usernames."""

from __future__ import annotations

import asyncio
import email
import re
import uuid
from email import policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from deploy.stack import Stack
from services.runtime.db import Database, UnitOfWork
from tests.conftest import OTHER_USER
from tests.e2e.conftest import new_user
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "quiet-lantern-orchard-93"
LINK = re.compile(r"https?://\S+/set-password/(\S+)")


def captured_to(stack: Stack, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(stack.mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found  # type: ignore[return-value]


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(0)


def add_user(primary: httpx.Client, **fields: Any) -> dict[str, Any]:
    username = fields.pop("username", f"user-{uuid.uuid4().hex[:8]}")
    added = primary.post("/api/v1/users", json={
        "username": username, "display_name": "New Colleague",
        "email": f"{username}@example.com", **fields,
    })  # fmt: skip
    assert added.status_code == 201, added.text
    result: dict[str, Any] = added.json()
    return result


def set_password_by_email(stack: Stack, user: dict[str, Any], nth: int = 1) -> str:
    """Follow the nth email's link: set the password; the token used."""
    messages = eventually(lambda: len(captured_to(stack, user["email"])) >= nth and
                          captured_to(stack, user["email"]))  # fmt: skip
    link = link_in(messages[nth - 1])
    token = link.rsplit("/", 1)[1]
    done = httpx.post(f"{stack.portal_url}/api/v1/auth/set-password",
                      json={"token": token, "password": NEW_PASSWORD})  # fmt: skip
    assert done.status_code == 200, done.text
    return token


def test_an_added_user_sets_a_password_by_email_and_holds_only_their_rights(stack: Stack) -> None:
    primary = login(stack, new_user(stack))
    added = add_user(primary, rights=[], scope={"all_clients": False})
    user = added["user"]
    assert added["email_sent"] is True and added["warning"] is None
    assert user["rights"] == [] and user["scope_summary"].startswith("No client accounts")
    assert user["password_link_expires_at"] is not None and not user["is_primary"]

    message = eventually(lambda: captured_to(stack, user["email"]))[0]
    link = link_in(message)
    assert link.startswith(stack.portal_url)
    page = httpx.get(link)
    assert page.status_code == 200 and user["username"] in page.text
    assert page.headers["cache-control"] == "no-store"
    token = link.rsplit("/", 1)[1]
    set_password = f"{stack.portal_url}/api/v1/auth/set-password"
    weak = httpx.post(set_password, json={"token": token, "password": "password1234"})
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "password"]
    assert httpx.post(set_password, json={"token": token, "password": NEW_PASSWORD}).json() == {
        "username": user["username"]}  # fmt: skip
    again = httpx.post(set_password, json={"token": token, "password": NEW_PASSWORD + "x"})
    assert again.status_code == 404  # single use
    assert httpx.get(link).status_code == 404

    colleague = login(stack, user["username"], NEW_PASSWORD)
    assert colleague.get("/api/v1/auth/me").status_code == 200
    assert colleague.get("/api/v1/contacts").status_code == 403  # no CRM right
    assert colleague.get("/api/v1/users").status_code == 403  # not the primary user
    granted = primary.put(f"/api/v1/users/{user['id']}/access",
                          json={"rights": ["crm"], "scope": {"all_clients": True}})  # fmt: skip
    assert granted.status_code == 200 and granted.json()["rights"] == ["crm"]
    assert colleague.get("/api/v1/contacts").status_code == 200
    listed = {item["username"]: item for item in primary.get("/api/v1/users").json()["items"]}
    assert listed[user["username"]]["last_login_at"] is not None
    assert listed[user["username"]]["password_link_expires_at"] is None


def test_deactivation_primacy_tenancy_and_taken_usernames(stack: Stack) -> None:
    primary_name = new_user(stack)
    primary = login(stack, primary_name)
    me = primary.get("/api/v1/auth/me").json()
    user = add_user(primary, rights=["crm"])["user"]
    set_password_by_email(stack, user)
    colleague = login(stack, user["username"], NEW_PASSWORD)

    gone = primary.post(f"/api/v1/users/{user['id']}/deactivate")
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert colleague.get("/api/v1/auth/me").status_code == 401  # the token stopped working
    refused = httpx.post(f"{stack.portal_url}/api/v1/auth/login",
                         json={"username": user["username"], "password": NEW_PASSWORD})  # fmt: skip
    assert refused.status_code == 401
    assert primary.post(f"/api/v1/users/{user['id']}/reactivate").json()["active"] is True
    colleague = login(stack, user["username"], NEW_PASSWORD)

    # the only primary user can neither step down nor deactivate themselves
    alone = primary.put(f"/api/v1/users/{me['id']}/primacy", json={"is_primary": False})
    assert alone.status_code == 409 and "primary user" in alone.json()["detail"]
    assert primary.post(f"/api/v1/users/{me['id']}/deactivate").status_code == 409
    promoted = primary.put(f"/api/v1/users/{user['id']}/primacy", json={"is_primary": True})
    assert promoted.status_code == 200 and promoted.json()["is_primary"] is True
    assert colleague.get("/api/v1/users").status_code == 200
    stepped_down = primary.put(f"/api/v1/users/{me['id']}/primacy", json={"is_primary": False})
    assert stepped_down.status_code == 200
    assert primary.get("/api/v1/users").status_code == 403
    back = colleague.put(f"/api/v1/users/{me['id']}/primacy", json={"is_primary": True})
    assert back.status_code == 200

    other = login(stack, OTHER_USER)
    assert other.get(f"/api/v1/users/{user['id']}").status_code == 404
    assert other.post(f"/api/v1/users/{user['id']}/deactivate").status_code == 404
    assert user["username"] not in other.get("/api/v1/users").text
    taken = primary.post("/api/v1/users", json={"username": OTHER_USER.upper(),
                                                "display_name": "Copy", "email": "c@example.com"})  # fmt: skip
    assert taken.status_code == 409

    ended = primary.post(f"/api/v1/users/{user['id']}/sessions/end")
    assert ended.status_code == 200 and ended.json()["ended"] >= 1
    assert colleague.get("/api/v1/auth/me").status_code == 401
    reset = primary.post(f"/api/v1/users/{user['id']}/two-factor/reset")
    assert reset.status_code == 200 and reset.json()["totp_enabled"] is False
    renamed = primary.patch(f"/api/v1/users/{user['id']}", json={"display_name": "Renamed"})
    assert renamed.json()["display_name"] == "Renamed"
    assert primary.patch(f"/api/v1/users/{user['id']}", json={"email": None}).status_code == 422


async def _expire_links(database_url: str, user_id: str) -> None:
    database: Database[UnitOfWork] = Database(database_url, pool_size=1)
    try:
        async with database.transaction() as uow:
            await uow.session.execute(
                text("UPDATE password_links SET expires_at = now() - interval '1 minute' "
                     "WHERE user_id = CAST(:user_id AS uuid)"), {"user_id": user_id},
            )  # fmt: skip
    finally:
        await database.dispose()


def test_a_link_expires_and_a_new_one_can_be_sent(stack: Stack) -> None:
    primary = login(stack, new_user(stack))
    user = add_user(primary)["user"]
    first = link_in(eventually(lambda: captured_to(stack, user["email"]))[0])
    asyncio.run(_expire_links(stack.database_url("gateway"), user["id"]))
    assert httpx.get(first).status_code == 404
    expired = httpx.post(f"{stack.portal_url}/api/v1/auth/set-password",
                         json={"token": first.rsplit("/", 1)[1], "password": NEW_PASSWORD})  # fmt: skip
    assert expired.status_code == 404
    resent = primary.post(f"/api/v1/users/{user['id']}/password-link")
    assert resent.status_code == 200 and resent.json()["email_sent"] is True
    set_password_by_email(stack, user, nth=2)
    login(stack, user["username"], NEW_PASSWORD)
