"""The gateway's calls to the services: who answered its health check, what a call sends (the
user's tenancy headers, the query as the services parse it, a file) and what a service's answer
becomes (its 4xx as is, a 5xx or no answer a 502)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fastapi import HTTPException

from contracts.access import Access
from gateway.clients.http import ServiceClient, ServiceUnavailable, query_pairs
from gateway.store.users import User

Handler = Callable[[web.Request], Any]


@asynccontextmanager
async def service_answering(handler: Handler) -> AsyncIterator[ServiceClient]:
    """A client of a real HTTP server on a free port that answers every request with ``handler``."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app)
    await server.start_server()
    client = ServiceClient("contacts", str(server.make_url("")), internal_token="t", timeout=2)
    try:
        yield client
    finally:
        await client.close()
        await server.close()


def _client_answered_by(body: dict[str, object], status: int = 200) -> Handler:
    async def answer(_: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    return answer


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"status": "ok", "service": "contacts"}, 200, "ok"),
        ({"status": "ok", "service": "linkage"}, 200, "down: linkage answers at this address"),
        ({"status": "ok"}, 200, "down: another server answers at this address"),
        ({"status": "down", "service": "contacts"}, 503, "down: HTTP 503"),
    ],
)
async def test_health_names_who_answered(
    body: dict[str, object], status: int, expected: str
) -> None:
    async with service_answering(_client_answered_by(body, status)) as client:
        assert await client.health() == expected


def a_user() -> User:
    return User(id=uuid4(), master_account_id="F1000001", username="ada", display_name="Ada",
                password_hash="x", is_primary=True)  # fmt: skip


async def test_a_call_carries_the_users_tenancy_its_query_and_its_json() -> None:
    seen: dict[str, Any] = {}

    async def echo(request: web.Request) -> web.Response:
        seen["headers"] = dict(request.headers)
        seen["query"] = list(request.query.items())
        seen["body"] = await request.json()
        return web.json_response({"ok": True}, status=201, headers={"X-Extra": "yes"})

    user = a_user()
    async with service_answering(echo) as client:
        answer = await client.call(
            "POST", "/contacts", user, json={"name": "Zoë"}, headers={"Idempotency-Key": "k1"},
            params={"q": "+1 555 & co", "ids": ["a", "b"], "closed": False, "page": 2},
        )  # fmt: skip
    assert answer.status_code == 201 and answer.json() == {"ok": True}
    assert answer.headers["x-extra"] == "yes", "headers are looked up in any case"
    assert seen["body"] == {"name": "Zoë"}
    assert seen["query"] == [("q", "+1 555 & co"), ("ids", "a"), ("ids", "b"),
                             ("closed", "false"), ("page", "2")]  # fmt: skip
    headers = seen["headers"]
    assert headers["X-Master-Account-Id"] == "F1000001" and headers["X-User-Id"] == str(user.id)
    assert headers["X-Internal-Token"] == "t" and headers["Idempotency-Key"] == "k1"
    assert Access.from_headers(headers) == Access.primary()


async def test_a_file_goes_as_the_multipart_forms_file() -> None:
    async def upload(request: web.Request) -> web.Response:
        form = await request.post()
        file = form["file"]
        assert isinstance(file, web.FileField)
        return web.json_response(
            {"name": file.filename, "type": file.content_type, "size": len(file.file.read())}
        )

    async with service_answering(upload) as client:
        found = await client.json("POST", "/documents", a_user(),
                                  files={"file": ("note.pdf", b"%PDF-1.7 x", "application/pdf")})  # fmt: skip
    assert found == {"name": "note.pdf", "type": "application/pdf", "size": 10}


async def test_a_services_refusal_is_passed_on_and_its_failure_is_a_502() -> None:
    async def refuse(request: web.Request) -> web.Response:
        if request.path == "/missing":
            return web.json_response({"detail": "no such contact"}, status=404)
        return web.Response(status=500, text="boom")

    async with service_answering(refuse) as client:
        with pytest.raises(HTTPException) as refused:
            await client.call("GET", "/missing", a_user())
        assert refused.value.status_code == 404 and refused.value.detail == "no such contact"
        with pytest.raises(ServiceUnavailable):
            await client.call("GET", "/broken", a_user())


async def test_a_service_that_does_not_answer_is_a_502() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ServiceClient("contacts", f"http://127.0.0.1:{port}", internal_token="t", timeout=2)
    try:
        with pytest.raises(ServiceUnavailable):
            await client.json("GET", "/contacts", a_user())
        assert (await client.health()).startswith("down: ")
    finally:
        await client.close()


def test_query_values_are_written_as_the_services_expect() -> None:
    assert query_pairs(None) is None
    assert query_pairs({"a": True, "b": None, "c": [1, 2.5]}) == [
        ("a", "true"), ("b", ""), ("c", "1"), ("c", "2.5"),
    ]  # fmt: skip
    assert query_pairs([("version", "4.0"), ("version", "3.0")]) == [
        ("version", "4.0"), ("version", "3.0"),
    ]  # fmt: skip
