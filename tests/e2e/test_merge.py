"""Likely duplicates and merging prospects through the gateway's public API (C6, X2)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.conftest import OTHER_USER
from tests.e2e.test_portal_api import eventually, login, total

pytestmark = pytest.mark.e2e


def create(client: httpx.Client, **body: str) -> dict[str, Any]:
    response = client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_suggested_duplicate_is_reviewed_and_merged_through_the_api(stack: Stack) -> None:
    client = login(stack, OTHER_USER)  # a master the simulator does not feed: exact counts
    start = total(client)
    last = f"Merge-{uuid.uuid4().hex[:6]}"
    email = f"{last.lower()}@example.com"
    kept = create(client, first_name="John", last_name=last, email=email)
    twin = create(client, first_name="Jon", last_name=last, email=email.upper(),
                  phone="+1 201 555 0142")  # fmt: skip
    eventually(lambda: total(client) == start + 2)

    def suggested() -> dict[str, Any] | None:
        clusters = client.get("/api/v1/contacts/duplicates", params={"limit": 200}).json()
        ids = {kept["id"], twin["id"]}
        return next(
            (c for c in clusters["clusters"] if {m["id"] for m in c["contacts"]} == ids), None
        )

    cluster = eventually(suggested)
    assert {reason["kind"] for reason in cluster["reasons"]} == {"email", "name"}

    review = client.get(
        "/api/v1/contacts/merge/review", params={"ids": [kept["id"], twin["id"]]}
    ).json()
    fields = {field["path"]: field for field in review["fields"]}
    assert fields["profile.contact.first_name"]["conflict"]
    assert fields["profile.contact.first_name"]["values"] == ["John", "Jon"]
    assert fields["profile.contact.mobile_phone"]["source_id"] == twin["id"]

    body: dict[str, Any] = {"keep_id": kept["id"], "merge_ids": [twin["id"]]}
    unresolved = client.post("/api/v1/contacts/merge", json=body)
    assert unresolved.status_code == 422
    assert [error["loc"][-1] for error in unresolved.json()["detail"]] == [
        "profile.contact.first_name"
    ]
    body["choices"] = {"profile.contact.first_name": kept["id"]}
    merged = client.post("/api/v1/contacts/merge", json=body)

    assert merged.status_code == 200, merged.text
    assert merged.json()["phone"] == "+12015550142"
    assert client.get(f"/api/v1/contacts/{twin['id']}").status_code == 404
    found = client.get("/api/v1/contacts", params={"q": last}).json()
    assert [item["id"] for item in found["items"]] == [kept["id"]]
    eventually(lambda: total(client) == start + 1)


def test_another_masters_records_cannot_be_merged(stack: Stack) -> None:
    other = login(stack, OTHER_USER)
    demo = login(stack, demo_user())
    last = f"Tenant-{uuid.uuid4().hex[:6]}"
    theirs = [create(other, first_name="Ann", last_name=last) for _ in range(2)]

    response = demo.post(
        "/api/v1/contacts/merge",
        json={"keep_id": theirs[0]["id"], "merge_ids": [theirs[1]["id"]]},
    )

    assert response.status_code == 404
    assert demo.get("/api/v1/contacts/duplicates").status_code == 200
    for contact in theirs:
        assert other.get(f"/api/v1/contacts/{contact['id']}").status_code == 200
    unauthenticated = httpx.post(f"{stack.portal_url}/api/v1/contacts/merge", json={})
    assert unauthenticated.status_code == 401
