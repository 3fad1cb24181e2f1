"""Merging duplicate prospects (C6) and likely-duplicate suggestions (X2) on the real database
and broker: what moves, what is published, what the statistics show, tenancy and refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from tests.integration.conftest import (
    PDF_BYTES,
    Book,
    RunningService,
    eventually,
    publish,
    read_topic,
)


class MergeBook(Book):
    """One master's view of the contacts service, as the user who merges."""

    def __init__(self, service: RunningService, master: str | None = None) -> None:
        super().__init__(service, master, user="u-merger")

    async def prospect(self, first: str, last: str, **fields: str) -> dict[str, Any]:
        body = {"first_name": first, "last_name": last, **fields}
        created: dict[str, Any] = await self.ok("POST", "/contacts", 201, json=body)
        return created


async def statistics_total_is(analytics: RunningService, master: str, expected: int) -> bool:
    """Whether the analytics statistics row (fed through Kafka) counts ``expected`` contacts."""
    headers = analytics.as_master(master)
    response = await analytics.http.get("/statistics/contacts", headers=headers)
    return bool(response.json()["total"] == expected)


async def test_a_merge_takes_the_union_moves_the_records_and_removes_the_duplicate(
    contacts_service: RunningService, analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    book = MergeBook(contacts_service)
    kept = await book.prospect("Jane", "Doe", email="jane@example.com")
    twin = await book.prospect("Jane", "Doe", email="jdoe@example.org", phone="+1 201 555 0123")
    await book.ok(
        "PUT",
        f"/contacts/{twin['id']}/profile/address",
        json={"version": twin["version"], "values": {"country": "US", "city": "Hoboken"}},
    )
    await book.ok("POST", f"/contacts/{twin['id']}/notes", 201, json={"body": "Met at the fair"})
    start = datetime.now(UTC) + timedelta(days=2)
    await book.ok("POST", "/tasks", 201, json={"contact_id": twin["id"], "title": "Call back"})
    await book.ok(
        "POST",
        "/events",
        201,
        json={"contact_id": twin["id"], "title": "Lunch", "starts_at": start.isoformat(),
              "ends_at": (start + timedelta(hours=1)).isoformat()},
    )  # fmt: skip
    await book.ok(
        "POST",
        f"/contacts/{twin['id']}/documents",
        201,
        files={"file": ("id.pdf", PDF_BYTES, "application/pdf")},
    )
    group_body = {"name": f"Fair {uuid.uuid4().hex[:6]}", "visibility": "public"}
    group = await book.ok("POST", "/groups", 201, json=group_body)
    await book.ok("PATCH", f"/groups/{group['id']}/members", json={"add": [twin["id"]]})
    assert await eventually(lambda: statistics_total_is(analytics_service, book.master, 2))

    unresolved = await book.call(
        "POST", "/contacts/merge", json={"keep_id": kept["id"], "merge_ids": [twin["id"]]}
    )
    assert unresolved.status_code == 422
    [conflict] = unresolved.json()["detail"]
    assert conflict["loc"] == ["body", "choices", "profile.contact.email"]
    assert conflict["type"] == "merge_conflict"
    assert conflict["candidates"] == [
        {"contact_id": kept["id"], "value": "jane@example.com"},
        {"contact_id": twin["id"], "value": "jdoe@example.org"},
    ]
    assert (await book.call("GET", f"/contacts/{twin['id']}")).status_code == 200  # untouched

    merged = await book.ok(
        "POST",
        "/contacts/merge",
        json={"keep_id": kept["id"], "merge_ids": [twin["id"]],
              "choices": {"profile.contact.email": twin["id"]}},
    )  # fmt: skip

    assert merged["id"] == kept["id"] and merged["merged_ids"] == [twin["id"]]
    assert (merged["email"], merged["phone"]) == ("jdoe@example.org", "+12015550123")
    assert "profile.address.city" in merged["changed_fields"]
    detail = await book.ok("GET", f"/contacts/{kept['id']}")
    assert detail["profile"]["address"] == {"country": "US", "city": "Hoboken"}
    assert (await book.call("GET", f"/contacts/{twin['id']}")).status_code == 404
    for listing in ("notes", "documents"):
        moved = await book.ok("GET", f"/contacts/{kept['id']}/{listing}")
        assert moved["total"] == 1, listing
    for listing in ("tasks", "events"):
        moved = await book.ok("GET", f"/{listing}", params={"contact_id": kept["id"]})
        assert moved["total"] == 1, listing
    members = await book.ok("GET", "/contacts", params={"group_id": group["id"]})
    assert [item["id"] for item in members["items"]] == [kept["id"]]

    history = await book.ok("GET", f"/contacts/{kept['id']}/history")
    entry = history["items"][0]
    assert (entry["action"], entry["changed_by"]) == ("merged", "u-merger")
    [record] = entry["changes"]["merged_records"]
    assert record["contact_id"] == twin["id"]
    assert record["state"]["email"] == "jdoe@example.org"
    assert [change["action"] for change in record["history"]][-1] == "created"

    events = [
        message["payload"]
        for message in await read_topic(kafka_bootstrap, topics.CONTACTS.name)
        if message["master_account_id"] == book.master
    ]
    removed = [e for e in events if e["type"] == "contact.removed"]
    assert [(e["contact"]["contact_id"], e["merged_into"]) for e in removed] == [
        (twin["id"], kept["id"])
    ]
    [change] = [  # (partitions are read one after the other: no order across contacts)
        e
        for e in events
        if e["type"] == "contact.changed" and e["contact"]["contact_id"] == kept["id"]
    ]
    assert change["contact"]["version"] == merged["version"]
    assert change["contact"]["email"] == "jdoe@example.org"
    assert "profile.contact.email" in change["changed_fields"]
    assert await eventually(lambda: statistics_total_is(analytics_service, book.master, 1))

    async def moved_records() -> list[dict[str, Any]] | None:
        found = [
            message["payload"]
            for message in await read_topic(kafka_bootstrap, topics.CRM_RECORDS.name)
            if message["master_account_id"] == book.master
            and message["type"].endswith("_changed")
            and message["payload"].get("contact_id") == kept["id"]
        ]
        return found if len(found) >= 4 else None

    moved = await eventually(moved_records)
    assert sorted((e["type"], e["version"], e["changed_by"]) for e in moved) == [
        ("crm.calendar_event_changed", 2, "u-merger"),
        ("crm.document_changed", 2, "u-merger"),
        ("crm.note_changed", 2, "u-merger"),
        ("crm.task_changed", 2, "u-merger"),
    ]


async def test_suggestions_find_shared_emails_phones_and_similar_names_only(
    contacts_service: RunningService,
) -> None:
    book = MergeBook(contacts_service)
    same_email = [
        await book.prospect("Robert", "Miles", email="bob.miles@example.com"),
        await book.prospect("Bob", "Myles", email="BOB.MILES@example.com"),
    ]
    same_phone = [
        await book.prospect("Ana", "Lima", phone="+44 20 7946 0958"),
        await book.prospect("Anna", "Pereira", phone="+442079460958"),
    ]
    similar_names = [
        await book.prospect("Katherine", "Johnson"),
        await book.prospect("Catherine", "Johnson"),
    ]
    await book.prospect("Marie", "Curie", email="marie@example.com")
    await book.prospect("Niels", "Bohr", phone="+1 201 555 0177")
    other_master = MergeBook(contacts_service)
    await other_master.prospect("Marie", "Curie", email="marie@example.com")

    suggestions = await book.ok("GET", "/contacts/duplicates")

    clusters = {
        frozenset(contact["id"] for contact in cluster["contacts"]): cluster
        for cluster in suggestions["clusters"]
    }
    ids = [frozenset(c["id"] for c in pair) for pair in (same_email, same_phone, similar_names)]
    assert set(clusters) == set(ids) and suggestions["total_clusters"] == 3
    by_email, by_phone, by_name = (clusters[pair] for pair in ids)
    assert by_email["reasons"][0] == {"kind": "email", "detail": "bob.miles@example.com"}
    assert [reason["kind"] for reason in by_phone["reasons"]] == ["phone"]
    assert [reason["kind"] for reason in by_name["reasons"]] == ["name"]
    assert by_email["score"] > by_phone["score"] > by_name["score"] > 0

    limited = await book.ok("GET", "/contacts/duplicates", params={"limit": 1})
    assert len(limited["clusters"]) == 1 and limited["total_clusters"] == 3
    assert (await book.call("GET", "/contacts/duplicates", params={"limit": 0})).status_code == 422

    await book.ok(
        "POST",
        "/contacts/merge",
        json={"keep_id": similar_names[0]["id"], "merge_ids": [similar_names[1]["id"]],
              "choices": {"profile.contact.first_name": similar_names[0]["id"],
                          "title": similar_names[0]["id"]}},
    )  # fmt: skip
    after = await book.ok("GET", "/contacts/duplicates")
    assert after["total_clusters"] == 2


async def test_another_masters_records_are_not_found(contacts_service: RunningService) -> None:
    mine, theirs = MergeBook(contacts_service), MergeBook(contacts_service)
    kept = await mine.prospect("Ada", "Lovelace")
    foreign = await theirs.prospect("Ada", "Lovelace")

    response = await mine.call(
        "POST", "/contacts/merge", json={"keep_id": kept["id"], "merge_ids": [foreign["id"]]}
    )
    assert response.status_code == 404
    assert foreign["id"] in response.json()["detail"]
    review = await mine.call(
        "GET", "/contacts/merge/review", params={"ids": [kept["id"], foreign["id"]]}
    )
    assert review.status_code == 404
    assert (await theirs.call("GET", f"/contacts/{foreign['id']}")).status_code == 200


async def test_clients_closed_records_and_bad_requests_are_refused(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    book = MergeBook(contacts_service)
    prospect = await book.prospect("Pat", "Doe")
    closed = await book.prospect("Pat", "Doe")
    await book.ok("POST", f"/contacts/{closed['id']}/close", json={"version": closed["version"]})
    number = f"U{uuid.uuid4().int % 9_000_000 + 1_000_000}"
    opened = ApplicationStatusChanged(
        account_number=number, stage=ApplicationStage.OPEN, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Pat", last_name="Client"),
    )  # fmt: skip
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, opened, master=book.master)

    async def the_client() -> str | None:
        page = await book.ok("GET", "/contacts", params={"q": number})
        return page["items"][0]["id"] if page["items"] else None

    client_id = await eventually(the_client)

    async def merge(body: dict[str, Any]) -> Any:
        return await book.call("POST", "/contacts/merge", json=body)

    refused = await merge({"keep_id": prospect["id"], "merge_ids": [client_id]})
    assert refused.status_code == 409 and "is a client" in refused.json()["detail"]
    refused = await merge({"keep_id": prospect["id"], "merge_ids": [closed["id"]]})
    assert refused.status_code == 409 and "is closed" in refused.json()["detail"]

    alone = await merge({"keep_id": prospect["id"], "merge_ids": [prospect["id"]]})
    assert alone.status_code == 422
    assert alone.json()["detail"][0]["loc"] == ["body", "merge_ids"]
    other = await book.prospect("Pat", "Doe")
    unknown = await merge(
        {"keep_id": prospect["id"], "merge_ids": [other["id"]],
         "choices": {"profile.contact.shoe_size": prospect["id"], "title": str(uuid.uuid4())}}
    )  # fmt: skip
    assert unknown.status_code == 422
    assert {(tuple(e["loc"]), e["type"]) for e in unknown.json()["detail"]} == {
        (("body", "choices", "profile.contact.shoe_size"), "unknown_field"),
        (("body", "choices", "title"), "not_selected"),
    }
    malformed = await merge({"keep_id": "nope", "merge_ids": []})
    assert {tuple(e["loc"]) for e in malformed.json()["detail"]} == {
        ("body", "keep_id"),
        ("body", "merge_ids"),
    }
    assert (await book.call("GET", f"/contacts/{other['id']}")).status_code == 200
