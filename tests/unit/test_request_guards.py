"""What no request may bring in, whatever the route (services/runtime/request_guards.py and
http_errors.py, installed in every service and in the gateway): text PostgreSQL cannot store,
bodies past their size, and 422s that cannot be written out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Form, Query, Request
from pydantic import BaseModel, Field

from contracts.api.limits import MAX_JSON_BODY_BYTES, MAX_LISTED_PROBLEMS
from gateway import app as gateway_app
from gateway.settings import GatewaySettings
from services.analytics import app as analytics_app
from services.analytics.settings import AnalyticsSettings
from services.runtime import service as runtime_service
from services.runtime.http_errors import SafeJSONResponse, install_error_handler
from services.runtime.request_guards import MAX_MULTIPART_BODY_BYTES, install_request_guards


class Untouched:
    """Stands for the database and the services: a refused request never reaches them."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the request went on to use {name!r}")


class Person(BaseModel):
    name: str = Field(max_length=20)
    tags: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


def small_app() -> FastAPI:
    app = FastAPI()
    install_error_handler(app)
    install_request_guards(app)

    @app.post("/people")
    async def add(person: Person) -> Person:
        return person

    @app.get("/people")
    async def search(q: Annotated[str, Query(max_length=50)] = "") -> str:
        return q

    @app.post("/forms")
    async def form(name: Annotated[str, Form()]) -> str:
        return name

    @app.post("/numbers")
    async def numbers(values: list[int]) -> int:
        return len(values)

    @app.post("/upload")
    async def upload(request: Request) -> int:
        return len(await request.body())

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=small_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def raw_json(text: str) -> dict[str, Any]:
    """A JSON body written by hand, so it can hold escapes no encoder writes."""
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


def locations(response: httpx.Response) -> list[list[Any]]:
    return [problem["loc"] for problem in response.json()["detail"]]


# --- text PostgreSQL cannot store -----------------------------------------------------------


async def test_a_nul_anywhere_in_a_json_body_is_refused_at_its_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/people", json={"name": "Ann\x00", "tags": ["ok", "b\x00d"], "extra": {"k\x00": 1}}
    )
    assert response.status_code == 422
    assert locations(response) == [
        ["body", "name"], ["body", "tags", 1], ["body", "extra", "k\x00"],
    ]  # fmt: skip
    assert "NUL" in response.json()["detail"][0]["msg"]


async def test_a_lone_surrogate_in_a_json_body_is_refused_and_the_answer_is_valid_utf8(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/people", **raw_json('{"name": "x\\ud800", "extra": {"\\udfff": 1}}')
    )
    assert response.status_code == 422
    response.content.decode("utf-8")  # strictly valid
    assert locations(response) == [["body", "name"], ["body", "extra", "\ufffd"]]
    assert "surrogate" in response.json()["detail"][0]["msg"]


async def test_a_surrogate_pair_is_text_and_goes_through(client: httpx.AsyncClient) -> None:
    response = await client.post("/people", **raw_json('{"name": "\\ud83d\\ude00 smile"}'))
    assert response.status_code == 200
    assert response.json()["name"] == "😀 smile"


async def test_a_nul_in_the_query_string_or_the_path_is_refused(
    client: httpx.AsyncClient,
) -> None:
    query = await client.get("/people", params={"q": "a\x00b"})
    assert query.status_code == 422 and locations(query) == [["query", "q"]]
    path = await client.get("/people%00/x")
    assert path.status_code == 422 and locations(path) == [["path"]]


async def test_a_nul_in_a_urlencoded_form_is_refused_at_its_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/forms", data={"name": "a\x00"})
    assert response.status_code == 422 and locations(response) == [["body", "name"]]
    assert (await client.post("/forms", data={"name": "Ann"})).json() == "Ann"


async def test_an_upload_is_binary_and_left_alone(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", files={"file": ("a.pdf", b"%PDF\x00\x01", "x/y")})
    assert response.status_code == 200


# --- the 422 itself -------------------------------------------------------------------------


async def test_a_refusal_echoing_a_lone_surrogate_is_still_written() -> None:
    """Behind the guard too (a service's 422 passed on by the gateway may echo one): the value
    is echoed back with U+FFFD for the surrogate."""
    app = FastAPI()
    install_error_handler(app)

    @app.post("/people")
    async def add(person: Person) -> Person:
        return person

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.post("/people", **raw_json('{"name": "' + "\\ud800" * 30 + '"}'))
    assert response.status_code == 422
    assert json.loads(response.content)["detail"][0]["input"] == "\ufffd" * 30


async def test_a_refusal_echoing_a_non_finite_number_is_still_written(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/people", **raw_json('{"name": NaN, "tags": [1e999]}'))
    assert response.status_code == 422
    assert {problem["input"] for problem in response.json()["detail"]} == {"nan", "inf"}


async def test_a_refusal_echoing_a_body_that_is_not_text_is_still_written(
    client: httpx.AsyncClient,
) -> None:
    for content_type in ("text/plain", "application/octet-stream"):
        response = await client.post(
            "/people", content=b"\xff\xfe", headers={"content-type": content_type}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["input"] == "\ufffd\ufffd"


async def test_a_refusal_lists_at_most_a_hundred_problems_and_counts_the_rest(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/numbers", json=["x"] * 5000)
    detail = response.json()["detail"]
    assert response.status_code == 422 and len(detail) == MAX_LISTED_PROBLEMS + 1
    assert detail[-1]["type"] == "too_many_errors"
    assert detail[-1]["msg"] == f"and {5000 - MAX_LISTED_PROBLEMS:,} more problems not listed"


def test_safe_json_takes_the_stock_path_for_ordinary_content() -> None:
    assert SafeJSONResponse({"a": "é"}).body == '{"a":"é"}'.encode()


# --- body sizes -----------------------------------------------------------------------------


async def test_a_body_declared_too_large_is_refused_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/numbers", json=[1] * (MAX_JSON_BODY_BYTES // 2 + 1))
    assert response.status_code == 413
    assert "at most 1 MB" in response.json()["detail"]


async def test_a_streamed_body_is_cut_off_at_its_limit(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"["
        for _ in range(MAX_JSON_BODY_BYTES // 4096 + 1):
            yield b"1," * 2048
        yield b"1]"

    response = await client.post(
        "/numbers", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_an_upload_may_be_larger_than_a_command_up_to_its_own_limit(
    client: httpx.AsyncClient,
) -> None:
    five_mb = b"x" * (5 * 1024 * 1024)
    assert (await client.post("/upload", files={"file": ("a.pdf", five_mb)})).status_code == 200
    too_large = b"x" * MAX_MULTIPART_BODY_BYTES
    response = await client.post("/upload", files={"file": ("a.pdf", too_large)})
    assert response.status_code == 413
    plain = await client.post("/upload", content=five_mb)
    assert plain.status_code == 413


# --- installed in the gateway and in every service ------------------------------------------


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    for name in ("configure_logging", "configure_telemetry", "instrument_http"):
        monkeypatch.setattr(gateway_app, name, lambda *_, **__: None)
    app = gateway_app.create_app(GatewaySettings(database_url="postgresql://127.0.0.1:1/unused"))
    app.state.clients = app.state.database = Untouched()
    return app


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"username": "\\ud800", "password": "x"}', "username"),
        ('{"username": "demo", "password": "pass\\u0000word"}', "password"),
    ],
)
async def test_the_gateway_refuses_unstorable_text_at_login_before_reaching_the_database(
    gateway: FastAPI, body: str, field: str
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway), base_url="http://portal"
    ) as client:
        response = await client.post("/api/v1/auth/login", **raw_json(body))
        assert response.status_code == 422
        assert locations(response) == [["body", field]]
        malformed = await client.post("/api/v1/auth/login", **raw_json('{"username": "\\ud800"}'))
        assert malformed.status_code == 422
        too_large = await client.post("/api/v1/auth/login", content=b"{" * (2 * 1024 * 1024))
        assert too_large.status_code == 413


async def test_a_service_refuses_a_nul_in_a_query_before_reaching_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("configure_logging", "configure_telemetry", "instrument_http"):
        monkeypatch.setattr(runtime_service, name, lambda *_, **__: None)
    settings = AnalyticsSettings(
        service_name="analytics", database_url="postgresql://127.0.0.1:1/unused"
    )
    app = analytics_app.create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://analytics"
    ) as client:
        response = await client.get("/statistics/contacts", params={"anything": "\x00"})
        assert response.status_code == 422 and locations(response) == [["query", "anything"]]
