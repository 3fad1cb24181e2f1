"""The contact record (C3, C9, C11) and the table's column preference (C1), only through the
gateway's public API: the whole system runs as processes."""

from __future__ import annotations

import uuid

import httpx
import pytest

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.conftest import OTHER_USER
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e


def a_contact(client: httpx.Client) -> dict[str, str | int]:
    response = client.post(
        "/api/v1/contacts",
        json={"first_name": "Hedy", "last_name": f"Lamarr-{uuid.uuid4().hex[:6]}",
              "email": "hedy@example.com"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    created: dict[str, str | int] = response.json()
    return created


def test_a_record_is_edited_closed_reopened_and_its_history_kept(stack: Stack) -> None:
    client = login(stack, demo_user())
    contact = a_contact(client)
    url = f"/api/v1/contacts/{contact['id']}"

    refused = client.put(
        f"{url}/profile/address",
        json={"version": 1, "values": {"country": "US", "state_province": "Atlantis",
                                       "postal_code": "ABC"}},
    )  # fmt: skip
    assert refused.status_code == 422
    assert {tuple(e["loc"]) for e in refused.json()["detail"]} == {
        ("body", "values", "state_province"),
        ("body", "values", "postal_code"),
    }
    saved = client.put(
        f"{url}/profile/address",
        json={"version": 1, "values": {"country": "US", "state_province": "New York",
                                       "city": "New York", "postal_code": "10001"}},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert saved.json()["profile"]["address"]["state_province"] == "NY"
    assert saved.json()["version"] == 2

    renamed = client.patch(url, json={"version": 2, "first_name": "Hedwig"})
    assert renamed.status_code == 200 and renamed.json()["name"].startswith("Hedwig ")
    assert client.patch(url, json={"version": 2, "first_name": "Heddy"}).status_code == 409

    closed = client.post(f"{url}/close", json={"version": 3})
    assert closed.status_code == 200 and closed.json()["closed"]
    reopened = client.post(f"{url}/reopen", json={"version": 4})
    assert reopened.status_code == 200 and not reopened.json()["closed"]

    history = client.get(f"{url}/history").json()["items"]
    assert [item["action"] for item in history] == [
        "reopened", "closed", "changed", "changed", "created",
    ]  # fmt: skip
    me = client.get("/api/v1/auth/me").json()["id"]
    assert {item["changed_by"] for item in history} == {me}
    assert history[2]["changes"]["first_name"] == ["Hedy", "Hedwig"]

    pdf = client.get(f"{url}/client-information.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    form = client.get("/api/v1/contacts/profile-form").json()
    assert [section["name"] for section in form["sections"]][:2] == ["contact", "address"]


def test_another_master_cannot_read_or_change_the_record(stack: Stack) -> None:
    contact = a_contact(login(stack, demo_user()))
    intruder = login(stack, OTHER_USER)
    url = f"/api/v1/contacts/{contact['id']}"
    assert intruder.get(url).status_code == 404
    assert intruder.post(f"{url}/close", json={"version": 1}).status_code == 404
    assert intruder.get(f"{url}/client-information.pdf").status_code == 404
    assert intruder.get(f"{url}/history").status_code == 404


def test_the_table_layout_is_kept_per_user(stack: Stack) -> None:
    owner, other = login(stack, demo_user()), login(stack, OTHER_USER)
    try:
        saved = owner.put(
            "/api/v1/preferences/contacts-table", json={"columns": ["email", "contact", "status"]}
        )
        assert saved.status_code == 200
        assert owner.get("/api/v1/preferences/contacts-table").json()["columns"] == [
            "email", "contact", "status",
        ]  # fmt: skip
        assert len(other.get("/api/v1/preferences/contacts-table").json()["columns"]) == 10
        bad = owner.put("/api/v1/preferences/contacts-table", json={"columns": ["age"]})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][:2] == ["body", "columns"]
    finally:
        owner.put("/api/v1/preferences/contacts-table", json={})


def test_the_table_pages_and_counts_through_the_gateway(stack: Stack) -> None:
    client = login(stack, demo_user())
    page = client.get("/api/v1/contacts", params={"sort": "net_asset_value", "order": "desc",
                                                  "page_size": 5})  # fmt: skip
    assert page.status_code == 200
    body = page.json()
    assert body["total_exact"] is True and body["total"] >= len(body["items"])
    values = [item["net_asset_value"] for item in body["items"]]
    filled = [float(value) for value in values if value is not None]
    assert filled == sorted(filled, reverse=True)
    assert values[: len(filled)] == [v for v in values if v is not None]  # empty ones last
    assert client.get("/api/v1/contacts", params={"sort": "shoe_size"}).status_code == 422
