"""Message templates and branding on the real PostgreSQL, through the messaging service's HTTP
API: create, list, change with its version, duplicate names, another master's records, the
COMMUNICATION_CENTER right, checking with previews, and the branding with its logo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from contracts.access import Access, ClientScope, Right
from tests.integration.conftest import Book, RunningService, running, unique_database

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def messaging_service(
    kafka_bootstrap: str, postgres_server: str
) -> AsyncIterator[RunningService]:
    from services.messaging.app import DEFINITION, create_app

    async with running(create_app, DEFINITION, kafka_bootstrap,
                       unique_database(postgres_server, "messaging")) as service:  # fmt: skip
        yield service


def template(name: str = "Welcome", **changes: Any) -> dict[str, Any]:
    return {"name": name, "subject": "Hello {{ first_name }}",
            "body": "<p>Dear {{ client_name }}</p><script>x()</script>", **changes}  # fmt: skip


async def test_templates_are_kept_per_master_with_versions(
    messaging_service: RunningService,
) -> None:
    ada = Book(messaging_service)
    created = await ada.ok("POST", "/templates", 201, json=template())
    assert created["version"] == 1 and created["created_by_user_id"] == "u-ada"
    path = f"/templates/{created['id']}"
    assert (await ada.ok("GET", path))["name"] == "Welcome"
    await ada.refused(409, "POST", "/templates", json=template("WELCOME"))
    changed = await ada.ok("PUT", path, json={**template("Welcome 2"), "version": 1})
    assert changed["version"] == 2 and changed["name"] == "Welcome 2"
    await ada.refused(409, "PUT", path, json={**template("Welcome 3"), "version": 1})
    listed = await ada.ok("GET", "/templates")
    assert [item["id"] for item in listed["items"]] == [created["id"]]

    eve = Book(messaging_service)
    await eve.refused(404, "GET", path)
    await eve.refused(404, "PUT", path, json={**template(), "version": 2})
    await eve.refused(404, "DELETE", path)
    assert (await eve.ok("GET", "/templates"))["items"] == []
    await eve.ok("POST", "/templates", 201, json=template("Welcome 2"))  # names are per master

    await ada.ok("DELETE", path, 204)
    await ada.refused(404, "GET", path)
    await ada.ok("POST", "/templates", 201, json=template("Welcome 2"))  # the name is free again


async def test_unsafe_templates_are_refused_naming_each_problem(
    messaging_service: RunningService,
) -> None:
    ada = Book(messaging_service)
    response = await ada.call(
        "POST", "/templates",
        json=template(subject="{{ ''.__class__.__mro__ }}", body="{{ nickname }}\n{% include 'x' %}"),
    )  # fmt: skip
    assert response.status_code == 422, response.text
    problems = {(tuple(item["loc"]), item["msg"]) for item in response.json()["detail"]}
    assert (
        ("body", "subject"),
        "line 1: attribute access (a '.' after a name) is not allowed",
    ) in problems
    assert (("body", "body"), "unknown variable 'nickname'") in problems
    assert (("body", "body"), "line 2: 'include' is not allowed") in problems
    response = await ada.call("POST", "/templates/check", json={"subject": "x", "body": "{{ a"})
    assert response.status_code == 422 and "line 1" in response.text


async def test_a_check_previews_each_channel(messaging_service: RunningService) -> None:
    ada = Book(messaging_service)
    await ada.ok("PUT", "/branding", json={"primary_colour": "#112233", "accent_colour": "#445566",
                                           "banner_text": "Harbor", "footer_text": "1 Main St"})  # fmt: skip
    checked = await ada.ok("POST", "/templates/check", json={
        "subject": "Hi {{ first_name }}", "body": "<p onclick='x()'>{{ client_name }}</p>",
        "with_banner": True, "with_footer": True, "signature": "Ada"})  # fmt: skip
    web, email, bulletin = checked["previews"]
    assert [web["channel"], email["channel"], bulletin["channel"]] == ["W", "E", "B"]
    assert "<p>Ada Lovelace</p>" in web["html"] and "onclick" not in web["html"]
    assert "Harbor" in email["html"] and "1 Main St" in email["text"]
    assert bulletin["html"] is None and bulletin["subject"] == "Hi Ada"
    variables = await ada.ok("GET", "/templates/variables")
    assert "client_name" in {item["name"] for item in variables["items"]}


async def test_branding_and_its_logo(messaging_service: RunningService) -> None:
    ada = Book(messaging_service)
    default = await ada.ok("GET", "/branding")
    assert default["has_logo"] is False and default["updated_at"] is None
    await ada.refused(
        422, "PUT", "/branding", json={"primary_colour": "red", "accent_colour": "#000000"}
    )
    kept = await ada.ok("PUT", "/branding", json={
        "primary_colour": "#AABBCC", "accent_colour": "#000000",
        "banner_text": "<b>Harbor</b>", "footer_text": "Line 1\n<i>Line 2</i>"})  # fmt: skip
    assert (kept["primary_colour"], kept["banner_text"], kept["footer_text"]) == (
        "#aabbcc",
        "Harbor",
        "Line 1\nLine 2",
    )
    await ada.refused(404, "GET", "/branding/logo")
    await ada.refused(415, "PUT", "/branding/logo",
                      files={"file": ("logo.png", b"<svg/>", "image/png")})  # fmt: skip
    await ada.refused(413, "PUT", "/branding/logo",
                      files={"file": ("logo.png", PNG + b"\x00" * 256 * 1024, "image/png")})  # fmt: skip
    uploaded = await ada.ok("PUT", "/branding/logo", files={"file": ("l.bin", PNG, "text/plain")})
    assert uploaded["has_logo"] and uploaded["logo_content_type"] == "image/png"
    assert uploaded["banner_text"] == "Harbor"  # the logo leaves the rest as it was
    logo = await ada.call("GET", "/branding/logo")
    assert logo.status_code == 200 and logo.content == PNG
    assert logo.headers["content-type"] == "image/png"
    await Book(messaging_service).refused(404, "GET", "/branding/logo")


async def test_every_route_needs_the_communication_center_right(
    messaging_service: RunningService,
) -> None:
    ada = Book(messaging_service)
    created = await ada.ok("POST", "/templates", 201, json=template())
    crm_only = Access(rights=frozenset({Right.CRM}), scope=ClientScope.everything())
    clerk = Book(messaging_service, master=ada.master, user="u-clerk")
    clerk.headers = messaging_service.as_master(ada.master, "u-clerk", access=crm_only)
    path = f"/templates/{created['id']}"
    for method, route, body in [
        ("GET", "/templates", None), ("POST", "/templates", template("Other")),
        ("GET", path, None), ("PUT", path, {**template(), "version": 1}), ("DELETE", path, None),
        ("POST", "/templates/check", {"subject": "s", "body": "b"}),
        ("GET", "/templates/variables", None), ("GET", "/branding", None),
        ("PUT", "/branding", {"primary_colour": "#000000", "accent_colour": "#000000"}),
        ("GET", "/branding/logo", None),
    ]:  # fmt: skip
        await clerk.refused(403, method, route, json=body)
    await clerk.refused(403, "PUT", "/branding/logo", files={"file": ("l.png", PNG, "image/png")})
    allowed = Access(rights=frozenset({Right.COMMUNICATION_CENTER}), scope=ClientScope.nothing())
    clerk.headers = messaging_service.as_master(ada.master, "u-clerk", access=allowed)
    assert (await clerk.ok("GET", path))["id"] == created["id"]
