"""Input a hostile user sends, through the gateway to the services and their databases: each
class is refused with a 4xx that says why, never answered with a 5xx (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

JSON = {"content-type": "application/json"}


def problems(response: httpx.Response) -> list[tuple[object, ...]]:
    return [tuple(problem["loc"]) for problem in response.json()["detail"]]


def test_text_no_column_can_store_is_refused_at_its_field(stack: Stack, newcomer: str) -> None:
    anonymous = httpx.Client(base_url=stack.portal_url, timeout=15)
    login_body = b'{"username": "demo\\ud800", "password": "x"}'
    refused = anonymous.post("/api/v1/auth/login", content=login_body, headers=JSON)
    assert refused.status_code == 422 and problems(refused) == [("body", "username")]
    refused = anonymous.post("/api/v1/auth/login", content=b'{"username": "\\ud800"}', headers=JSON)
    assert refused.status_code == 422  # the 422 echoing a lone surrogate is written out
    assert anonymous.get("/api/v1/contacts", params={"q": "a\x00"}).status_code == 422

    client = login(stack, newcomer)
    created = client.post("/api/v1/contacts", json={"first_name": "Nul", "last_name": "Le\x00e"})
    assert created.status_code == 422 and problems(created) == [("body", "last_name")]
    search = client.get("/api/v1/contacts", params={"q": "Lee\x00"})
    assert search.status_code == 422 and problems(search) == [("query", "q")]
    note = b'{"body": "half \\ud83d a smile"}'
    contact = client.post("/api/v1/contacts", json={"first_name": "Ann", "last_name": "Lee"})
    noted = client.post(f"/api/v1/contacts/{contact.json()['id']}/notes", content=note,
                        headers=JSON)  # fmt: skip
    assert noted.status_code == 422 and problems(noted) == [("body", "body")]


def test_numbers_and_times_beyond_their_columns_are_refused(stack: Stack, newcomer: str) -> None:
    client = login(stack, newcomer)
    contact = client.post("/api/v1/contacts", json={"first_name": "Big", "last_name": "Numbers"})
    contact_id = contact.json()["id"]
    stale = client.patch(f"/api/v1/contacts/{contact_id}", json={"version": 99_999_999_999})
    assert stale.status_code == 422 and problems(stale) == [("body", "version")]
    form = client.get(f"/api/v1/households/{contact_id}/forms/99999999999.pdf")
    assert form.status_code == 422 and problems(form) == [("path", "version")]
    assert client.get("/api/v1/contacts", params={"page": "9" * 20}).status_code == 422
    task = {"contact_id": contact_id, "title": "t", "due_at": "0001-01-01T00:00:00+23:59"}
    assert client.post("/api/v1/tasks", json=task).status_code == 422
    far = {"start": "9999-12-30T00:00:00-23:59", "end": "9999-12-31T00:00:00-23:59"}
    assert client.get("/api/v1/events", params=far).status_code == 422


def test_every_sort_answers_with_a_filter(stack: Stack, newcomer: str) -> None:
    client = login(stack, newcomer)
    client.post("/api/v1/contacts", json={"first_name": "Sort", "last_name": "Me"})
    for sort in ("created_at", "contact", "net_asset_value"):
        listed = client.get("/api/v1/contacts", params={"sort": sort, "kind": "prospect"})
        assert listed.status_code == 200 and listed.json()["total"] == 1


def test_bodies_past_their_limit_are_refused(stack: Stack, newcomer: str) -> None:
    client = login(stack, newcomer)
    two_mb = b'{"keep_id": "x", "merge_ids": [' + b'"x",' * 500_000 + b'"x"]}'
    declared = client.post("/api/v1/contacts/merge", content=two_mb, headers=JSON)
    assert declared.status_code == 413 and "at most 1 MB" in declared.json()["detail"]

    def streamed() -> Iterator[bytes]:
        yield from (two_mb[start : start + 65536] for start in range(0, len(two_mb), 65536))

    chunked = client.post("/api/v1/contacts/merge", content=streamed(), headers=JSON)
    assert chunked.status_code == 413
    contact = client.post("/api/v1/contacts", json={"first_name": "Big", "last_name": "File"})
    eleven_mb = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    upload = client.post(f"/api/v1/contacts/{contact.json()['id']}/documents",
                         files={"file": ("big.pdf", eleven_mb, "application/pdf")})  # fmt: skip
    assert upload.status_code == 413


def import_file(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    return client.post("/api/v1/contacts/import", files={"file": (name, content, "text/plain")})


def test_imports_answer_in_proportion_and_refuse_what_they_cannot_read(
    stack: Stack, newcomer: str
) -> None:
    client = login(stack, newcomer)
    cyrillic = "first_name,last_name\r\nПётр,Иванов\r\n".encode("cp1251")
    refused = import_file(client, "people.csv", cyrillic)
    assert refused.status_code == 422 and "UTF-8" in refused.json()["detail"][0]["message"]

    header = "first_name,last_name," + ",".join(f"x{i}" for i in range(150))
    many_problems = (header + "\r\n" + ",,y\r\n" * 100).encode()
    refused = import_file(client, "many.csv", many_problems)
    detail = refused.json()["detail"]
    assert refused.status_code == 422 and len(detail) == 101
    assert detail[-1] == {"row": 0, "column": "", "message": "and 250 more problems not listed"}

    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\n"
    nested = (card * 3000 + "END:VCARD\r\n" * 3000).encode()
    refused = import_file(client, "deep.vcf", nested)
    assert refused.status_code == 422
    message = refused.json()["detail"][0]["message"]
    assert "nested" in message and "recursion" not in message
