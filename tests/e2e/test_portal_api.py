"""The whole system, driven only through the gateway's public API."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.conftest import DEMO_PASSWORD, OTHER_USER

pytestmark = pytest.mark.e2e


def login(stack: Stack, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=stack.portal_url, timeout=15)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def eventually(check: Callable[[], Any], *, within: float = 30) -> Any:
    deadline = time.monotonic() + within
    result = None
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"not within {within}s; last: {result!r}")


def total(client: httpx.Client) -> int:
    response = client.get("/api/v1/dashboard/statistics")
    assert response.status_code == 200, response.text
    value: int = response.json()["total"]
    return value


def test_healthz_is_green_with_every_service(stack: Stack) -> None:
    body = httpx.get(f"{stack.portal_url}/healthz").json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"contacts", "messaging", "staging", "linkage", "analytics"}
    assert set(body["services"].values()) == {"ok"}


def test_login_rejects_wrong_passwords_and_malformed_bodies(stack: Stack) -> None:
    api = httpx.Client(base_url=stack.portal_url)
    wrong = api.post(
        "/api/v1/auth/login", json={"username": demo_user(), "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    malformed = api.post("/api/v1/auth/login", json={"username": demo_user()})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body", "password"]
    assert api.get("/api/v1/contacts").status_code == 401
    assert (
        api.get("/api/v1/contacts", headers={"Authorization": "Bearer forged.token.x"}).status_code
        == 401
    )


def test_repeated_failed_logins_are_throttled(stack: Stack) -> None:
    api = httpx.Client(base_url=stack.portal_url)
    username = f"guess-{uuid.uuid4().hex[:6]}"
    for _ in range(5):
        wrong = api.post("/api/v1/auth/login", json={"username": username, "password": "wrong-1"})
        assert wrong.status_code == 401
    response = api.post("/api/v1/auth/login", json={"username": username, "password": "wrong-1"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_a_new_contact_is_searchable_and_counted_through_kafka(stack: Stack) -> None:
    client = login(stack, demo_user())
    before = total(client)
    last_name = f"Hopper-{uuid.uuid4().hex[:6]}"
    created = client.post("/api/v1/contacts", json={"first_name": "Grace", "last_name": last_name})
    assert created.status_code == 201, created.text
    found = client.get("/api/v1/contacts", params={"q": last_name}).json()
    assert [item["id"] for item in found["items"]] == [created.json()["id"]]
    eventually(lambda: total(client) >= before + 1)


def test_bad_contact_input_is_refused_with_the_field_named(stack: Stack) -> None:
    client = login(stack, demo_user())
    response = client.post(
        "/api/v1/contacts", json={"first_name": "A", "last_name": "B", "email": "x@"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert client.get("/api/v1/contacts", params={"page_size": 100000}).status_code == 422


def test_one_master_never_sees_another_masters_data(stack: Stack) -> None:
    demo = login(stack, demo_user())
    other = login(stack, OTHER_USER)
    other_total = total(other)
    marker = f"Secret-{uuid.uuid4().hex[:6]}"
    demo_total = total(demo)
    created = demo.post("/api/v1/contacts", json={"first_name": "Only", "last_name": marker}).json()
    assert other.get("/api/v1/contacts", params={"q": marker}).json()["total"] == 0
    assert other.get(f"/api/v1/contacts/{created['id']}").status_code == 404
    eventually(lambda: total(demo) > demo_total)
    assert total(other) == other_total


def test_the_simulated_back_office_feeds_the_book(stack: Stack) -> None:
    client = login(stack, demo_user())

    def applications() -> list[dict[str, Any]]:
        page = client.get("/api/v1/contacts", params={"kind": "client", "page_size": 100}).json()
        items: list[dict[str, Any]] = page["items"]
        return [item for item in items if item["account_number"] and item["status"]]

    assert eventually(applications, within=60)
    statistics = client.get("/api/v1/dashboard/statistics").json()
    assert statistics["by_status"]["open"] > 0


def test_killing_the_contacts_service_after_a_write_loses_and_duplicates_nothing(
    stack: Stack,
) -> None:
    client = login(stack, OTHER_USER)  # a master the simulator does not feed: exact counts
    last_name = f"Killed-{uuid.uuid4().hex[:6]}"
    before = total(client)
    created = client.post("/api/v1/contacts", json={"first_name": "Kim", "last_name": last_name})
    assert created.status_code == 201
    stack.kill_and_restart("contacts")
    eventually(lambda: httpx.get(f"{stack.portal_url}/healthz").status_code == 200, within=60)
    found = eventually(
        lambda: client.get("/api/v1/contacts", params={"q": last_name}).json()["items"]
    )
    assert len(found) == 1
    eventually(lambda: total(client) == before + 1)
    time.sleep(2)  # a duplicate effect would show up here
    assert total(client) == before + 1
