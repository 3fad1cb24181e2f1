"""CRM records (C7) on the real database and broker: CRUD, tenancy, documents, merges' reassignment
and exactly-once task reminders (X3)."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from contracts import topics
from contracts.api.records import MAX_DOCUMENT_BYTES
from services.contacts.api.deps import get_settings
from services.contacts.service_layer import reminders
from services.contacts.settings import ContactsSettings
from services.runtime.db import Database
from tests.integration.conftest import (
    PDF_BYTES,
    Book,
    RunningService,
    a_master,
    eventually,
    read_topic,
)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def database_of(service: RunningService) -> Database:
    database: Database = service.app.state.context.database
    return database


async def remind_due_tasks(database: Database, *, now: datetime, limit: int) -> int:
    """One batch of the reminder job, in a transaction of its own."""
    async with database.transaction() as uow:
        return await reminders.remind_due_tasks(uow, now=now, limit=limit)


# Notes


async def test_notes_are_added_edited_listed_sorted_and_deleted(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    grace, alan = await book.contact(), await book.contact("Alan", "Turing")
    first = await book.ok(
        "POST", f"/contacts/{grace}/notes", 201, json={"body": "  Met at the conference  "}
    )
    assert (first["body"], first["author_user_id"], first["contact_name"]) == (
        "Met at the conference", "u-ada", "Grace Hopper",
    )  # fmt: skip
    await book.ok("POST", f"/contacts/{grace}/notes", 201, json={"body": "Sent the brochure"})
    await book.ok("POST", f"/contacts/{alan}/notes", 201, json={"body": "Prefers email"})

    edited = await book.ok("PATCH", f"/notes/{first['id']}", json={"body": "Met at COBOL conf"})
    assert edited["body"] == "Met at COBOL conf"
    assert edited["updated_at"] > edited["created_at"]

    for_grace = await book.ok("GET", f"/contacts/{grace}/notes")
    assert [note["body"] for note in for_grace["items"]] == [
        "Sent the brochure",
        "Met at COBOL conf",
    ]
    oldest_first = await book.ok("GET", "/notes", params={"order": "asc"})
    assert [note["body"] for note in oldest_first["items"]] == [
        "Met at COBOL conf", "Sent the brochure", "Prefers email",
    ]  # fmt: skip
    by_contact = await book.ok("GET", "/notes", params={"sort": "contact", "order": "asc"})
    assert by_contact["items"][0]["contact_name"] == "Grace Hopper"
    assert by_contact["total"] == 3

    await book.ok("DELETE", f"/notes/{first['id']}", 204)
    assert (await book.call("GET", f"/notes/{first['id']}")).status_code == 404
    assert (await book.ok("GET", f"/contacts/{grace}/notes"))["total"] == 1


async def test_bad_notes_name_the_field(contacts_service: RunningService) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    for body in [{"body": "   "}, {"body": "x" * 10_001}, {}]:
        response = await book.call("POST", f"/contacts/{grace}/notes", json=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "body"]
    missing = await book.call("POST", f"/contacts/{UUID(int=7)}/notes", json={"body": "x"})
    assert missing.status_code == 404


# Tasks


async def test_tasks_are_created_filtered_completed_and_deleted(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    grace, alan = await book.contact(), await book.contact("Alan", "Turing")
    soon, later = now() + timedelta(days=1), now() + timedelta(days=10)
    call = await book.ok("POST", "/tasks", 201, json={
        "contact_id": grace, "title": "Call about the IRA", "priority": "high", "due_at": iso(soon),
        "email_reminder": True,
    })  # fmt: skip
    assert (call["assignee_user_id"], call["created_by"], call["status"]) == (
        "u-ada",
        "u-ada",
        "open",
    )
    await book.ok("POST", "/tasks", 201, json={
        "contact_id": alan, "title": "Send forms", "assignee_user_id": "u-bob", "due_at": iso(later),
    })  # fmt: skip
    await book.ok(
        "POST", "/tasks", 201, json={"contact_id": alan, "title": "No date", "priority": "low"}
    )

    async def titles(**params: Any) -> list[str]:
        page = await book.ok("GET", "/tasks", params=params)
        return [task["title"] for task in page["items"]]

    assert await titles() == ["Call about the IRA", "Send forms", "No date"]
    assert await titles(contact_id=alan) == ["Send forms", "No date"]
    assert await titles(assignee_user_id="u-bob") == ["Send forms"]
    assert await titles(due_from=iso(now()), due_to=iso(now() + timedelta(days=2))) == [
        "Call about the IRA"
    ]
    assert await titles(sort="priority") == ["Call about the IRA", "Send forms", "No date"]
    assert await titles(sort="priority", order="desc") == [
        "No date",
        "Send forms",
        "Call about the IRA",
    ]

    started = await book.ok(
        "PATCH", f"/tasks/{call['id']}", json={"status": "in_progress", "description": "401k too"}
    )
    assert (started["status"], started["description"], started["priority"]) == (
        "in_progress",
        "401k too",
        "high",
    )
    done = await book.ok("POST", f"/tasks/{call['id']}/complete")
    assert done["status"] == "done" and done["completed_at"]
    assert await titles(status=["open", "in_progress"]) == ["Send forms", "No date"]
    assert await titles(status="done") == ["Call about the IRA"]

    refused = await book.call("PATCH", f"/tasks/{call['id']}", json={"status": "in_progress"})
    assert refused.status_code == 409
    assert "cannot become in_progress" in refused.json()["detail"]

    await book.ok("DELETE", f"/tasks/{call['id']}", 204)
    assert (await book.call("GET", f"/tasks/{call['id']}")).status_code == 404


async def test_bad_tasks_name_the_field(contacts_service: RunningService) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    cases = [
        ({"contact_id": grace, "title": ""}, ["body", "title"]),
        ({"contact_id": grace, "title": "x", "priority": "urgent"}, ["body", "priority"]),
        ({"contact_id": grace, "title": "x", "due_at": "2026-01-01T10:00:00"}, ["body", "due_at"]),
        ({"title": "x"}, ["body", "contact_id"]),
    ]
    for body, loc in cases:
        response = await book.call("POST", "/tasks", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"] == loc
    task = await book.ok("POST", "/tasks", 201, json={"contact_id": grace, "title": "x"})
    cleared = await book.call("PATCH", f"/tasks/{task['id']}", json={"title": None})
    assert cleared.status_code == 422
    assert cleared.json()["detail"][0]["loc"] == ["body", "title"]
    moved = await book.call("PATCH", f"/tasks/{task['id']}", json={"contact_id": str(UUID(int=9))})
    assert moved.status_code == 404
    range_ = await book.call(
        "GET", "/tasks", params={"due_from": iso(now()), "due_to": iso(now() - timedelta(days=1))}
    )
    assert range_.status_code == 422


# Calendar events


async def test_events_are_created_queried_by_range_moved_and_deleted(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    day = datetime(2031, 5, 14, tzinfo=UTC)
    review = await book.ok("POST", "/events", 201, json={
        "contact_id": grace, "title": "Annual review", "starts_at": iso(day + timedelta(hours=9)),
        "ends_at": iso(day + timedelta(hours=10)), "location": "Office", "notes": "Bring statements",
    })  # fmt: skip
    await book.ok("POST", "/events", 201, json={
        "contact_id": grace, "title": "Overnight", "starts_at": iso(day - timedelta(hours=2)),
        "ends_at": iso(day + timedelta(hours=1)),
    })  # fmt: skip
    await book.ok("POST", "/events", 201, json={
        "contact_id": grace, "title": "Next day", "starts_at": iso(day + timedelta(days=1, hours=9)),
        "ends_at": iso(day + timedelta(days=1, hours=10)),
    })  # fmt: skip

    that_day = await book.ok(
        "GET", "/events", params={"start": iso(day), "end": iso(day + timedelta(days=1))}
    )
    assert [event["title"] for event in that_day["items"]] == ["Overnight", "Annual review"]
    everything = await book.ok("GET", "/events", params={"contact_id": grace})
    assert everything["total"] == 3

    moved = await book.ok(
        "PATCH",
        f"/events/{review['id']}",
        json={"ends_at": iso(day + timedelta(hours=11)), "location": None},
    )
    assert (moved["location"], moved["ends_at"][:16]) == (None, "2031-05-14T11:00")
    bad_move = await book.call(
        "PATCH", f"/events/{review['id']}", json={"starts_at": iso(day + timedelta(hours=12))}
    )
    assert bad_move.status_code == 422
    assert bad_move.json()["detail"][0]["loc"] == ["body", "ends_at"]

    await book.ok("DELETE", f"/events/{review['id']}", 204)
    assert (await book.call("GET", f"/events/{review['id']}")).status_code == 404


async def test_an_event_ending_before_it_starts_is_refused_naming_the_end(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    start = datetime(2031, 5, 14, 9, tzinfo=UTC)
    response = await book.call("POST", "/events", json={
        "contact_id": grace, "title": "Backwards", "starts_at": iso(start), "ends_at": iso(start - timedelta(minutes=30)),
    })  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ends_at"]
    one_sided = await book.call("GET", "/events", params={"start": iso(start)})
    assert one_sided.status_code == 422


# Documents


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def upload(
    book: Book, contact_id: str, name: str, content: bytes, mime: str = "application/octet-stream"
) -> Any:
    return await book.call(
        "POST", f"/contacts/{contact_id}/documents", files={"file": (name, content, mime)}
    )


async def test_documents_are_uploaded_viewed_and_deleted(contacts_service: RunningService) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    response = await upload(book, grace, "../Statement 2026.pdf", PDF_BYTES, "text/html")
    assert response.status_code == 201, response.text
    document = response.json()
    assert (document["filename"], document["content_type"], document["size_bytes"]) == (
        "Statement 2026.pdf", "application/pdf", len(PDF_BYTES),
    )  # fmt: skip
    letter = (await upload(book, grace, "letter.docx", docx_bytes())).json()
    assert letter["content_type"].endswith("wordprocessingml.document")

    content = await book.call("GET", f"/documents/{document['id']}/content")
    assert content.content == PDF_BYTES
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"].startswith(
        'attachment; filename="Statement 2026.pdf"'
    )
    inline = await book.call(
        "GET", f"/documents/{document['id']}/content", params={"disposition": "inline"}
    )
    assert inline.headers["content-disposition"].startswith("inline;")
    docx_inline = await book.call(
        "GET", f"/documents/{letter['id']}/content", params={"disposition": "inline"}
    )
    assert docx_inline.headers["content-disposition"].startswith("attachment;")

    listed = await book.ok("GET", f"/contacts/{grace}/documents")
    assert [item["filename"] for item in listed["items"]] == ["letter.docx", "Statement 2026.pdf"]
    assert (await book.ok("GET", "/documents"))["total"] == 2

    await book.ok("DELETE", f"/documents/{document['id']}", 204)
    assert (await book.call("GET", f"/documents/{document['id']}/content")).status_code == 404
    assert (await book.ok("GET", "/documents"))["total"] == 1


async def test_documents_over_the_limit_or_of_other_types_are_refused(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    too_big = await upload(book, grace, "big.pdf", PDF_BYTES + b"0" * MAX_DOCUMENT_BYTES)
    assert too_big.status_code == 413
    assert "10 MB" in too_big.json()["detail"]
    program = await upload(book, grace, "invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert program.status_code == 415
    assert "allowed: PDF" in program.json()["detail"]
    page = await upload(book, grace, "notes.txt", b"<html><script>alert(1)</script></html>")
    assert page.status_code == 415
    empty = await upload(book, grace, "empty.txt", b"")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "file"]
    no_file = await book.call("POST", f"/contacts/{grace}/documents", data={"x": "1"})
    assert no_file.status_code == 422
    assert (await book.ok("GET", "/documents"))["total"] == 0


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_documents_can_live_in_a_configured_directory(
    contacts_service: RunningService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: ContactsSettings = contacts_service.app.state.context.settings
    with_directory = settings.model_copy(update={"documents_dir": tmp_path})
    monkeypatch.setitem(
        contacts_service.app.dependency_overrides, get_settings, lambda: with_directory
    )
    book = Book(contacts_service)
    grace = await book.contact()
    document = (await upload(book, grace, "book.csv", b"name,amount\nAda,1\n")).json()
    assert document["content_type"].startswith("text/csv")
    stored = stored_files(tmp_path)
    assert [path.name for path in stored] == [UUID(document["id"]).hex]
    assert stored[0].read_bytes() == b"name,amount\nAda,1\n"
    content = await book.call("GET", f"/documents/{document['id']}/content")
    assert content.content == b"name,amount\nAda,1\n"
    await book.ok("DELETE", f"/documents/{document['id']}", 204)
    assert stored_files(tmp_path) == []


# Tenancy


async def test_another_masters_records_are_not_found(contacts_service: RunningService) -> None:
    alpha, beta = Book(contacts_service), Book(contacts_service)
    grace = await alpha.contact()
    start = now() + timedelta(days=3)
    note = await alpha.ok(
        "POST", f"/contacts/{grace}/notes", 201, json={"body": "private to alpha"}
    )
    task = await alpha.ok("POST", "/tasks", 201, json={"contact_id": grace, "title": "alpha task"})
    event = await alpha.ok("POST", "/events", 201, json={
        "contact_id": grace, "title": "alpha event", "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)),
    })  # fmt: skip
    document = (await upload(alpha, grace, "a.pdf", PDF_BYTES)).json()

    for path in [f"/notes/{note['id']}", f"/tasks/{task['id']}", f"/events/{event['id']}",
                 f"/documents/{document['id']}", f"/documents/{document['id']}/content",
                 f"/contacts/{grace}/notes", f"/contacts/{grace}/documents"]:  # fmt: skip
        assert (await beta.call("GET", path)).status_code == 404, path
    assert (await beta.call("PATCH", f"/notes/{note['id']}", json={"body": "x"})).status_code == 404
    assert (
        await beta.call("PATCH", f"/tasks/{task['id']}", json={"title": "x"})
    ).status_code == 404
    assert (
        await beta.call("PATCH", f"/events/{event['id']}", json={"title": "x"})
    ).status_code == 404
    for path in [
        f"/notes/{note['id']}",
        f"/tasks/{task['id']}",
        f"/events/{event['id']}",
        f"/documents/{document['id']}",
    ]:
        assert (await beta.call("DELETE", path)).status_code == 404, path
    assert (
        await beta.call("POST", f"/contacts/{grace}/notes", json={"body": "x"})
    ).status_code == 404
    assert (
        await beta.call("POST", "/tasks", json={"contact_id": grace, "title": "x"})
    ).status_code == 404
    assert (await upload(beta, grace, "b.pdf", PDF_BYTES)).status_code == 404
    for path in ["/notes", "/tasks", "/events", "/documents"]:
        assert (await beta.ok("GET", path))["total"] == 0, path
    assert (await alpha.ok("GET", "/notes"))["total"] == 1


# Merge support


async def test_reassign_contact_moves_every_record_of_the_merged_contacts(
    contacts_service: RunningService,
) -> None:
    book = Book(contacts_service)
    keep, duplicate, other = (
        await book.contact(),
        await book.contact("Grace", "Hoper"),
        await book.contact("Alan", "Turing"),
    )
    start = now() + timedelta(days=2)
    await book.ok("POST", f"/contacts/{duplicate}/notes", 201, json={"body": "dup note"})
    await book.ok("POST", "/tasks", 201, json={"contact_id": duplicate, "title": "dup task"})
    await book.ok("POST", "/events", 201, json={
        "contact_id": duplicate, "title": "dup event", "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=1)),
    })  # fmt: skip
    await upload(book, duplicate, "dup.pdf", PDF_BYTES)
    await book.ok("POST", f"/contacts/{other}/notes", 201, json={"body": "untouched"})

    database = database_of(contacts_service)
    async with database.unit_of_work() as uow:
        foreign = await uow.record_contacts.move_records(
            master_account_id=a_master(), from_ids=[UUID(duplicate)], to_id=UUID(keep)
        )
        moved = await uow.record_contacts.move_records(
            master_account_id=book.master,
            from_ids=[UUID(duplicate), UUID(keep)],
            to_id=UUID(keep),
        )
        await uow.commit()
    assert (foreign, len(moved)) == ([], 4)
    assert {record.contact_id for record in moved} == {UUID(keep)}
    assert {record.version for record in moved} == {2}
    assert {record.contact_name for record in moved} == {"Grace Hopper"}

    assert [n["body"] for n in (await book.ok("GET", f"/contacts/{keep}/notes"))["items"]] == [
        "dup note"
    ]
    assert (await book.ok("GET", "/tasks", params={"contact_id": keep}))["items"][0][
        "contact_name"
    ] == "Grace Hopper"
    assert (await book.ok("GET", "/events", params={"contact_id": keep}))["total"] == 1
    assert (await book.ok("GET", f"/contacts/{keep}/documents"))["total"] == 1
    for path in [f"/contacts/{duplicate}/notes", f"/contacts/{duplicate}/documents"]:
        assert (await book.ok("GET", path))["total"] == 0
    assert (await book.ok("GET", f"/contacts/{other}/notes"))["total"] == 1


# Reminders (X3)


async def reminders_for(kafka: str, task_id: str) -> list[dict[str, Any]]:
    messages = await read_topic(kafka, topics.CRM_RECORDS.name)
    return [
        m for m in messages if m["type"] == "crm.task_due" and m["payload"]["task_id"] == task_id
    ]


def overdue(contact_id: str, n: int, due: datetime) -> dict[str, Any]:
    return {"contact_id": contact_id, "title": f"Overdue {n}", "due_at": iso(due),
            "email_reminder": n == 0, "assignee_user_id": "u-bob"}  # fmt: skip


async def test_a_due_task_is_reminded_exactly_once_even_with_concurrent_runs(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    past = now() - timedelta(minutes=5)
    tasks = [await book.ok("POST", "/tasks", 201, json=overdue(grace, n, past)) for n in range(12)]
    # done before it came due (the service's own reminder job runs all along), then overdue
    finished = await book.ok(
        "POST",
        "/tasks",
        201,
        json={
            "contact_id": grace,
            "title": "Done already",
            "due_at": iso(now() + timedelta(days=1)),
        },
    )
    await book.ok("POST", f"/tasks/{finished['id']}/complete")
    overdue_but_done = await book.ok(
        "PATCH", f"/tasks/{finished['id']}", json={"due_at": iso(past)}
    )
    assert overdue_but_done["status"] == "done"
    future = await book.ok(
        "POST",
        "/tasks",
        201,
        json={"contact_id": grace, "title": "Not yet", "due_at": iso(now() + timedelta(days=1))},
    )

    database = database_of(contacts_service)
    # two replicas at once (and the service's own job): small batches so they contend for rows
    await asyncio.gather(*[remind_due_tasks(database, now=now(), limit=3) for _ in range(6)])
    await asyncio.gather(*[remind_due_tasks(database, now=now(), limit=3) for _ in range(6)])

    for task in tasks:
        reminded = await book.ok("GET", f"/tasks/{task['id']}")
        assert reminded["reminded_at"] is not None

    async def all_published() -> list[list[dict[str, Any]]] | None:
        found = [await reminders_for(kafka_bootstrap, task["id"]) for task in tasks]
        return found if all(found) else None

    published = await eventually(all_published, within=30)
    await asyncio.sleep(1.5)  # let a duplicate, if any, reach the topic
    for task in tasks:
        assert len(await reminders_for(kafka_bootstrap, task["id"])) == 1
    first = published[0][0]
    assert first["master_account_id"] == book.master
    assert first["payload"]["assignee_user_id"] == "u-bob"
    assert first["payload"]["email_reminder"] is True
    assert first["payload"]["contact_id"] == grace
    assert await reminders_for(kafka_bootstrap, finished["id"]) == []
    assert await reminders_for(kafka_bootstrap, future["id"]) == []
    assert (await book.ok("GET", f"/tasks/{future['id']}"))["reminded_at"] is None


async def test_moving_the_due_date_into_the_future_rearms_the_reminder(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    book = Book(contacts_service)
    grace = await book.contact()
    task = await book.ok(
        "POST",
        "/tasks",
        201,
        json={
            "contact_id": grace,
            "title": "Follow up",
            "due_at": iso(now() - timedelta(minutes=1)),
        },
    )
    database = database_of(contacts_service)
    await remind_due_tasks(database, now=now(), limit=1000)
    await eventually(lambda: reminders_for(kafka_bootstrap, task["id"]))
    assert (await book.ok("GET", f"/tasks/{task['id']}"))["reminded_at"] is not None

    new_due = now() + timedelta(hours=1)
    rearmed = await book.ok("PATCH", f"/tasks/{task['id']}", json={"due_at": iso(new_due)})
    assert rearmed["reminded_at"] is None
    await remind_due_tasks(database, now=now(), limit=1000)
    assert (await book.ok("GET", f"/tasks/{task['id']}"))["reminded_at"] is None

    await remind_due_tasks(database, now=new_due + timedelta(seconds=1), limit=1000)

    async def twice() -> bool:
        return len(await reminders_for(kafka_bootstrap, task["id"])) == 2

    await eventually(twice)
