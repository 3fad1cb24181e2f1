"""Every change of a note, task, calendar event or document is one event on the CRM topic (X1),
published through the outbox of the change's transaction: its whole state after the change, keyed
by its contact; nothing for a change that is refused or changes nothing."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from contracts import topics
from contracts.api.records import MAX_DOCUMENT_BYTES
from services.contacts.service_layer import records
from services.runtime.caller import Caller
from services.runtime.db import Database
from tests.integration.conftest import (
    PDF_BYTES,
    Book,
    RunningService,
    a_master,
    eventually,
    read_keyed,
)

RECORD_EVENTS = {
    "crm.note_changed": "note_id",
    "crm.task_changed": "task_id",
    "crm.calendar_event_changed": "event_id",
    "crm.document_changed": "document_id",
}


async def record_events(kafka: str, *masters: str) -> list[dict[str, Any]]:
    """The record events of these masters' books, each payload with its message's key and master
    added (``_key``, ``_master``)."""
    found = []
    for key, message in await read_keyed(kafka, topics.CRM_RECORDS.name):
        if message["type"] in RECORD_EVENTS and message["master_account_id"] in masters:
            found.append(
                message["payload"] | {"_key": key, "_master": message["master_account_id"]}
            )
    return found


async def settled(kafka: str, count: int, *masters: str) -> list[dict[str, Any]]:
    """The masters' record events once ``count`` are on the topic, checked again a moment later so
    that a duplicate or a late extra event fails the test; in version order per record."""

    async def enough() -> list[dict[str, Any]] | None:
        found = await record_events(kafka, *masters)
        return found if len(found) >= count else None

    await eventually(enough, within=30)
    await asyncio.sleep(1.5)
    found = await record_events(kafka, *masters)
    assert len(found) == count, found
    return sorted(found, key=lambda event: (event["type"], event["version"]))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_notes_publish_each_addition_edit_and_deletion_once(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    alpha, beta = Book(contacts_service), Book(contacts_service, user="u-eve")
    grace = await alpha.contact()
    note = await alpha.ok("POST", f"/contacts/{grace}/notes", 201, json={"body": "Met at a fair"})
    path = f"/notes/{note['id']}"
    await alpha.refused(422, "POST", f"/contacts/{grace}/notes", json={"body": "x" * 10_001})
    await beta.refused(404, "POST", f"/contacts/{grace}/notes", json={"body": "not mine"})
    await beta.refused(404, "PATCH", path, json={"body": "not mine"})
    await beta.refused(404, "DELETE", path)
    edited = await alpha.ok("PATCH", path, json={"body": "Met at the spring fair"})
    same = await alpha.ok("PATCH", path, json={"body": "Met at the spring fair"})
    assert same["updated_at"] == edited["updated_at"]  # nothing changed
    await alpha.ok("DELETE", path, 204)
    await alpha.refused(404, "DELETE", path)

    added, changed, deleted = await settled(kafka_bootstrap, 3, alpha.master, beta.master)
    for event in (added, changed, deleted):
        assert (event["_master"], event["_key"]) == (alpha.master, grace)
        assert (event["note_id"], event["contact_id"]) == (note["id"], grace)
        assert (event["author_user_id"], event["changed_by"]) == ("u-ada", "u-ada")
        assert at(event["created_at"]) == at(note["created_at"])
    assert [(e["version"], e["body"], e["deleted"]) for e in (added, changed, deleted)] == [
        (1, "Met at a fair", False),
        (2, "Met at the spring fair", False),
        (3, "Met at the spring fair", True),
    ]
    assert at(changed["updated_at"]) == at(edited["updated_at"])


async def test_tasks_publish_creation_changes_completion_moves_and_deletion_once(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    alpha, beta = Book(contacts_service), Book(contacts_service, user="u-eve")
    grace, alan = await alpha.contact(), await alpha.contact("Alan", "Turing")
    due = datetime.now(UTC) + timedelta(days=3)
    task = await alpha.ok("POST", "/tasks", 201, json={
        "contact_id": grace, "title": "Call about the IRA", "priority": "high",
        "due_at": iso(due), "assignee_user_id": "u-bob", "description": "bring forms",
    })  # fmt: skip
    path = f"/tasks/{task['id']}"
    await alpha.refused(422, "POST", "/tasks", json={"contact_id": grace, "title": ""})
    await beta.refused(404, "POST", "/tasks", json={"contact_id": grace, "title": "not mine"})
    await beta.refused(404, "PATCH", path, json={"title": "not mine"})
    await beta.refused(404, "POST", f"{path}/complete")
    await beta.refused(404, "DELETE", path)
    await alpha.refused(404, "PATCH", path, json={"contact_id": str(UUID(int=5))})
    await alpha.ok("PATCH", path, json={"status": "in_progress"})
    done = await alpha.ok("POST", f"{path}/complete")
    await alpha.refused(409, "PATCH", path, json={"status": "in_progress"})
    again = await alpha.ok("POST", f"{path}/complete")  # already done: no change
    assert again["updated_at"] == done["updated_at"]
    await alpha.ok("PATCH", path, json={"contact_id": alan})
    await alpha.ok("DELETE", path, 204)

    events = await settled(kafka_bootstrap, 5, alpha.master, beta.master)
    assert [(e["version"], e["status"], e["contact_id"], e["deleted"]) for e in events] == [
        (1, "open", grace, False),
        (2, "in_progress", grace, False),
        (3, "done", grace, False),
        (4, "done", alan, False),
        (5, "done", alan, True),
    ]
    created, _, completed, moved, _ = events
    for event in events:
        assert event["_key"] == event["contact_id"]
        assert (event["task_id"], event["_master"], event["changed_by"]) == (
            task["id"], alpha.master, "u-ada",
        )  # fmt: skip
        assert (event["title"], event["priority"], event["assignee_user_id"]) == (
            "Call about the IRA", "high", "u-bob",
        )  # fmt: skip
        assert (event["created_by"], event["description"]) == ("u-ada", "bring forms")
        assert at(event["due_at"]) == at(task["due_at"])
    assert created["completed_at"] is None and created["email_reminder"] is False
    assert at(completed["completed_at"]) == at(done["completed_at"])
    assert at(completed["updated_at"]) == at(done["updated_at"])
    assert moved["completed_at"] == completed["completed_at"]


async def test_calendar_events_publish_creation_changes_and_deletion_once(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    alpha, beta = Book(contacts_service), Book(contacts_service, user="u-eve")
    grace = await alpha.contact()
    start = datetime(2031, 5, 14, 9, tzinfo=UTC)
    event = await alpha.ok("POST", "/events", 201, json={
        "contact_id": grace, "title": "Annual review", "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=1)), "location": "Office", "notes": "statements",
    })  # fmt: skip
    path = f"/events/{event['id']}"
    await beta.refused(404, "PATCH", path, json={"title": "not mine"})
    await beta.refused(404, "DELETE", path)
    await alpha.refused(422, "PATCH", path, json={"starts_at": iso(start + timedelta(hours=2))})
    moved = await alpha.ok(
        "PATCH", path, json={"ends_at": iso(start + timedelta(hours=2)), "location": None}
    )
    await alpha.ok("PATCH", path, json={"title": "Annual review"})  # no change
    await alpha.ok("DELETE", path, 204)

    created, changed, deleted = await settled(kafka_bootstrap, 3, alpha.master, beta.master)
    for published in (created, changed, deleted):
        assert (published["event_id"], published["contact_id"], published["_key"]) == (
            event["id"], grace, grace,
        )  # fmt: skip
        assert (published["title"], published["created_by"], published["changed_by"]) == (
            "Annual review", "u-ada", "u-ada",
        )  # fmt: skip
        assert at(published["starts_at"]) == start
    assert [(e["version"], e["location"], e["deleted"]) for e in (created, changed, deleted)] == [
        (1, "Office", False),
        (2, None, False),
        (3, None, True),
    ]
    assert at(created["ends_at"]) == start + timedelta(hours=1)
    assert at(changed["ends_at"]) == at(moved["ends_at"]) == start + timedelta(hours=2)
    assert created["notes"] == deleted["notes"] == "statements"


async def test_documents_publish_their_description_on_upload_and_deletion_only(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    alpha, beta = Book(contacts_service), Book(contacts_service, user="u-eve")
    grace = await alpha.contact()

    async def upload(book: Book, name: str, content: bytes) -> Any:
        return await book.call(
            "POST", f"/contacts/{grace}/documents", files={"file": (name, content, "text/plain")}
        )

    response = await upload(alpha, "../Statement.pdf", PDF_BYTES)
    assert response.status_code == 201, response.text
    document = response.json()
    assert (
        await upload(alpha, "big.pdf", PDF_BYTES + b"0" * MAX_DOCUMENT_BYTES)
    ).status_code == 413
    assert (await upload(alpha, "x.pdf", b"MZ\x90\x00" + b"\x00" * 64)).status_code == 415
    assert (await upload(alpha, "empty.txt", b"")).status_code == 422
    assert (await upload(beta, "b.pdf", PDF_BYTES)).status_code == 404
    await beta.refused(404, "DELETE", f"/documents/{document['id']}")
    await alpha.ok("DELETE", f"/documents/{document['id']}", 204)

    uploaded, deleted = await settled(kafka_bootstrap, 2, alpha.master, beta.master)
    for published in (uploaded, deleted):
        assert (published["document_id"], published["contact_id"], published["_key"]) == (
            document["id"], grace, grace,
        )  # fmt: skip
        assert (published["filename"], published["content_type"], published["size_bytes"]) == (
            "Statement.pdf", "application/pdf", len(PDF_BYTES),
        )  # fmt: skip
        assert published["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
        assert (published["uploaded_by"], published["changed_by"]) == ("u-ada", "u-ada")
        assert not {"content", "storage"} & set(published)
    assert [(e["version"], e["deleted"]) for e in (uploaded, deleted)] == [(1, False), (2, True)]


async def test_moving_records_to_the_kept_contact_of_a_merge_publishes_their_new_state(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    book = Book(contacts_service)
    keep, duplicate = await book.contact(), await book.contact("Grace", "Hoper")
    start = datetime.now(UTC) + timedelta(days=2)
    note = await book.ok("POST", f"/contacts/{duplicate}/notes", 201, json={"body": "dup note"})
    task = await book.ok("POST", "/tasks", 201, json={"contact_id": duplicate, "title": "dup"})
    await book.ok("POST", f"/tasks/{task['id']}/complete")
    event = await book.ok("POST", "/events", 201, json={
        "contact_id": duplicate, "title": "dup event", "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=1)),
    })  # fmt: skip
    document = (
        await book.call(
            "POST", f"/contacts/{duplicate}/documents", files={"file": ("d.pdf", PDF_BYTES)}
        )
    ).json()
    await book.ok("POST", f"/contacts/{keep}/notes", 201, json={"body": "untouched"})
    await settled(kafka_bootstrap, 6, book.master)

    database: Database = contacts_service.app.state.context.database
    merger = Caller(master_account_id=book.master, user_id="u-merger")
    stranger = Caller(master_account_id=a_master(), user_id="u-eve")
    async with database.unit_of_work() as uow:
        foreign = await records.move_to_contact(
            uow, stranger, from_ids=[UUID(duplicate)], to_id=UUID(keep)
        )
        moved = await records.move_to_contact(
            uow, merger, from_ids=[UUID(duplicate), UUID(keep)], to_id=UUID(keep)
        )
        await uow.commit()
    assert (foreign, moved) == (0, 4)

    events = await settled(kafka_bootstrap, 10, book.master, stranger.master_account_id)
    latest = {
        event[RECORD_EVENTS[event["type"]]]: event
        for event in events
        if event["changed_by"] == "u-merger"
    }
    assert set(latest) == {note["id"], task["id"], event["id"], document["id"]}
    for published in latest.values():
        assert (published["contact_id"], published["_key"], published["deleted"]) == (
            keep, keep, False,
        )  # fmt: skip
    assert [latest[i]["version"] for i in (note["id"], task["id"], event["id"], document["id"])] == [
        2, 3, 2, 2,
    ]  # fmt: skip
    assert latest[note["id"]]["body"] == "dup note"
    assert latest[task["id"]]["status"] == "done"
    assert (await book.ok("GET", f"/notes/{note['id']}"))["contact_name"] == "Grace Hopper"
