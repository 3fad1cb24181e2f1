"""The CRM records' use cases (C7, X1, X3) against the fake unit of work: what they keep, what
they publish, what they refuse, and how a refusal answers over HTTP. No database."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.api.records import (
    MAX_DOCUMENT_BYTES,
    EventCreate,
    NoteListQuery,
    TaskCreate,
    TaskListQuery,
    TaskStatus,
)
from contracts.crm import CalendarEventChanged, DocumentChanged, NoteChanged, TaskChanged, TaskDue
from services.contacts.domain.document_kinds import UnsupportedDocument
from services.contacts.domain.records import (
    DocumentTooLarge,
    DocumentUnavailable,
    RecordRuleError,
    TransitionRefused,
)
from services.contacts.service_layer import documents, records, reminders
from services.contacts.settings import ContactsSettings
from services.contacts.store.documents import DatabaseDocumentStore
from services.runtime.caller import Caller
from services.runtime.clock import FrozenClock
from services.runtime.errors import Conflict, DomainError, Invalid, NotFound, TooLarge
from services.runtime.http_errors import domain_error_response
from services.runtime.service import ServiceContext
from tests.unit.contacts.fakes import FakeContactsUnitOfWork

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
ADA = Caller(master_account_id="F1000001", user_id="u-ada")
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def uow() -> FakeContactsUnitOfWork:
    return FakeContactsUnitOfWork()


def a_contact(
    uow: FakeContactsUnitOfWork, name: str = "Grace Hopper", caller: Caller = ADA
) -> UUID:
    contact_id = uuid4()
    uow.contact_names[(caller.master_account_id, contact_id)] = name
    return contact_id


def settings(documents_dir: Path | None = None) -> ContactsSettings:
    return ContactsSettings(
        service_name="contacts", database_url="postgresql://test/contacts",
        documents_dir=documents_dir, reminder_batch_size=2, reminder_poll_seconds=0.01,
    )  # fmt: skip


def a_meeting(contact_id: UUID, **values: Any) -> EventCreate:
    times = {"starts_at": NOW, "ends_at": NOW + timedelta(hours=1)} | values
    return EventCreate(contact_id=contact_id, title="Review", **times)


# Notes


async def test_a_note_is_kept_and_published_with_its_contacts_name(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace = a_contact(uow)
    note = await records.add_note(uow, ADA, grace, "Met at the fair", now=NOW)
    assert (note.contact_name, note.author_user_id, note.version) == ("Grace Hopper", "u-ada", 1)
    assert await records.get_record(uow, records.NOTES, ADA, note.id) == note
    [published] = uow.events_of(NoteChanged)
    assert (published.note_id, published.changed_by, published.version) == (note.id, "u-ada", 1)
    assert uow.published[0].master_account_id == ADA.master_account_id


async def test_a_record_of_another_masters_contact_is_refused(
    uow: FakeContactsUnitOfWork,
) -> None:
    theirs = a_contact(uow, caller=EVE)
    with pytest.raises(NotFound) as refused:
        await records.add_note(uow, ADA, theirs, "not mine", now=NOW)
    assert refused.value.message == "no such contact"
    with pytest.raises(NotFound):
        await records.add_task(uow, ADA, TaskCreate(contact_id=theirs, title="x"), now=NOW)
    assert (uow.notes.rows, uow.tasks.rows, uow.published) == ({}, {}, [])


async def test_an_edited_note_is_its_next_version(uow: FakeContactsUnitOfWork) -> None:
    note = await records.add_note(uow, ADA, a_contact(uow), "Met at the fair", now=NOW)
    edited = await records.change_note(uow, ADA, note.id, "Met at the spring fair", now=LATER)
    assert (edited.body, edited.version, edited.updated_at) == ("Met at the spring fair", 2, LATER)
    assert (await records.get_record(uow, records.NOTES, ADA, note.id)).version == 2
    assert [event.version for event in uow.events_of(NoteChanged)] == [1, 2]


async def test_a_change_that_changes_nothing_is_neither_saved_nor_published(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace = a_contact(uow)
    note = await records.add_note(uow, ADA, grace, "Met at the fair", now=NOW)
    task = await records.add_task(uow, ADA, TaskCreate(contact_id=grace, title="Call"), now=NOW)
    event = await records.add_event(uow, ADA, a_meeting(grace), now=NOW)
    published = len(uow.published)
    assert await records.change_note(uow, ADA, note.id, note.body, now=LATER) == note
    assert await records.change_task(uow, ADA, task.id, {"title": "Call"}, now=LATER) == task
    same_time = {"starts_at": event.starts_at}
    assert await records.change_event(uow, ADA, event.id, same_time, now=LATER) == event
    assert len(uow.published) == published
    assert uow.notes.rows[note.id].updated_at == NOW


async def test_removing_publishes_the_last_state_as_deleted_one_version_on(
    uow: FakeContactsUnitOfWork,
) -> None:
    note = await records.add_note(uow, ADA, a_contact(uow), "Met at the fair", now=NOW)
    await records.change_note(uow, ADA, note.id, "Met at the spring fair", now=LATER)
    removed = await records.remove_record(uow, records.NOTES, ADA, note.id)
    assert removed.body == "Met at the spring fair"
    assert uow.notes.rows == {}
    last = uow.events_of(NoteChanged)[-1]
    assert (last.deleted, last.version, last.body) == (True, 3, "Met at the spring fair")


async def test_another_masters_records_are_not_found(uow: FakeContactsUnitOfWork) -> None:
    grace = a_contact(uow)
    note = await records.add_note(uow, ADA, grace, "private", now=NOW)
    task = await records.add_task(uow, ADA, TaskCreate(contact_id=grace, title="x"), now=NOW)
    event = await records.add_event(uow, ADA, a_meeting(grace), now=NOW)
    published = len(uow.published)
    kinds: list[tuple[records.RecordKind[Any, Any], UUID]] = [
        (records.NOTES, note.id), (records.TASKS, task.id), (records.EVENTS, event.id),
    ]  # fmt: skip
    for kind, record_id in kinds:
        with pytest.raises(NotFound) as refused:
            await records.get_record(uow, kind, EVE, record_id)
        assert refused.value.message == f"no such {kind.what}"
        with pytest.raises(NotFound):
            await records.remove_record(uow, kind, EVE, record_id)
    with pytest.raises(NotFound):
        await records.change_note(uow, EVE, note.id, "mine now", now=LATER)
    with pytest.raises(NotFound):
        await records.change_task(uow, EVE, task.id, {"title": "mine"}, now=LATER)
    with pytest.raises(NotFound):
        await records.list_notes(uow, EVE, NoteListQuery(contact_id=grace))
    assert (await records.list_notes(uow, EVE, NoteListQuery())).total == 0
    assert len(uow.published) == published
    assert uow.notes.rows[note.id].body == "private"


async def test_a_listing_counts_every_match_and_shows_one_page(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace, alan = a_contact(uow), a_contact(uow, "Alan Turing")
    for n in range(3):
        await records.add_task(uow, ADA, TaskCreate(contact_id=grace, title=f"t{n}"), now=NOW)
    await records.add_task(uow, ADA, TaskCreate(contact_id=alan, title="other"), now=NOW)
    page = await records.list_tasks(uow, ADA, TaskListQuery(contact_id=grace, page=2, page_size=2))
    assert (page.total, len(page.items)) == (3, 1)
    assert page.items[0].contact_name == "Grace Hopper"


# Tasks


async def test_a_task_is_assigned_to_its_creator_unless_named(uow: FakeContactsUnitOfWork) -> None:
    grace = a_contact(uow)
    mine = await records.add_task(uow, ADA, TaskCreate(contact_id=grace, title="Call"), now=NOW)
    command = TaskCreate(contact_id=grace, title="Forms", assignee_user_id="u-bob")
    bobs = await records.add_task(uow, ADA, command, now=NOW)
    assert (mine.assignee_user_id, bobs.assignee_user_id, bobs.created_by) == (
        "u-ada", "u-bob", "u-ada",
    )  # fmt: skip
    assert [event.task_id for event in uow.events_of(TaskChanged)] == [mine.id, bobs.id]


async def test_completing_a_task_finishes_it_and_a_refused_transition_is_a_conflict(
    uow: FakeContactsUnitOfWork,
) -> None:
    task = await records.add_task(
        uow, ADA, TaskCreate(contact_id=a_contact(uow), title="Call"), now=NOW
    )
    done = await records.change_task(uow, ADA, task.id, {"status": TaskStatus.DONE}, now=LATER)
    assert (done.status, done.completed_at, done.version) == (TaskStatus.DONE, LATER, 2)
    published = len(uow.published)
    with pytest.raises(TransitionRefused) as refused:
        await records.change_task(uow, ADA, task.id, {"status": TaskStatus.IN_PROGRESS}, now=LATER)
    assert isinstance(refused.value, Conflict)
    assert "cannot become in_progress" in refused.value.message
    assert len(uow.published) == published
    assert uow.tasks.rows[task.id].status == TaskStatus.DONE


async def test_a_task_moved_to_another_contact_shows_that_contacts_name(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace, alan = a_contact(uow), a_contact(uow, "Alan Turing")
    task = await records.add_task(uow, ADA, TaskCreate(contact_id=grace, title="Call"), now=NOW)
    moved = await records.change_task(uow, ADA, task.id, {"contact_id": alan}, now=LATER)
    assert (moved.contact_id, moved.contact_name, moved.version) == (alan, "Alan Turing", 2)
    assert uow.events_of(TaskChanged)[-1].contact_id == alan
    with pytest.raises(NotFound):
        await records.change_task(uow, ADA, task.id, {"contact_id": uuid4()}, now=LATER)


# Calendar events


async def test_an_event_ending_before_it_starts_is_refused_naming_the_end(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace = a_contact(uow)
    event = await records.add_event(uow, ADA, a_meeting(grace), now=NOW)
    with pytest.raises(RecordRuleError) as refused:
        await records.change_event(
            uow, ADA, event.id, {"starts_at": NOW + timedelta(hours=2)}, now=LATER
        )
    assert isinstance(refused.value, Invalid)
    assert refused.value.problems == [(("ends_at",), "the end must be after the start")]
    assert uow.events.rows[event.id] == event
    assert len(uow.events_of(CalendarEventChanged)) == 1


async def test_an_event_moved_later_keeps_its_length_rule_and_publishes(
    uow: FakeContactsUnitOfWork,
) -> None:
    event = await records.add_event(uow, ADA, a_meeting(a_contact(uow)), now=NOW)
    later_end = {"ends_at": NOW + timedelta(hours=3), "location": "Office"}
    moved = await records.change_event(uow, ADA, event.id, later_end, now=LATER)
    assert (moved.location, moved.version, moved.updated_at) == ("Office", 2, LATER)
    published = uow.events_of(CalendarEventChanged)[-1]
    assert (published.ends_at, published.location) == (NOW + timedelta(hours=3), "Office")


# Merging duplicates


async def test_moving_records_to_another_contact_publishes_each_one_version_on(
    uow: FakeContactsUnitOfWork,
) -> None:
    keep, duplicate = a_contact(uow), a_contact(uow, "Grace Hoper")
    note = await records.add_note(uow, ADA, duplicate, "dup note", now=NOW)
    task = await records.add_task(uow, ADA, TaskCreate(contact_id=duplicate, title="t"), now=NOW)
    event = await records.add_event(uow, ADA, a_meeting(duplicate), now=NOW)
    document = await documents.add_document(
        uow, ADA, duplicate, filename="d.pdf", content=PDF_BYTES, store=DatabaseDocumentStore(),
        now=NOW,
    )  # fmt: skip
    before = len(uow.published)
    assert await records.move_to_contact(uow, EVE, from_ids=[duplicate], to_id=keep) == 0
    moved = await records.move_to_contact(uow, ADA, from_ids=[duplicate, keep], to_id=keep)
    assert moved == 4
    events: list[Any] = [published.event for published in uow.published[before:]]
    assert [type(e) for e in events] == [NoteChanged, TaskChanged, CalendarEventChanged, DocumentChanged]  # fmt: skip
    assert {(e.contact_id, e.version, e.changed_by) for e in events} == {(keep, 2, "u-ada")}
    assert (await records.get_record(uow, records.NOTES, ADA, note.id)).contact_name == (
        "Grace Hopper"
    )
    others: list[tuple[records.RecordKind[Any, Any], UUID]] = [
        (records.TASKS, task.id), (records.EVENTS, event.id), (records.DOCUMENTS, document.id),
    ]  # fmt: skip
    for kind, record_id in others:
        assert (await records.get_record(uow, kind, ADA, record_id)).contact_id == keep


# Documents


async def test_a_document_keeps_its_bytes_and_publishes_its_description(
    uow: FakeContactsUnitOfWork,
) -> None:
    document = await documents.add_document(
        uow, ADA, a_contact(uow), filename="../Statement.pdf", content=PDF_BYTES,
        store=DatabaseDocumentStore(), now=NOW,
    )  # fmt: skip
    assert (document.filename, document.content_type, document.storage) == (
        "Statement.pdf", "application/pdf", "database",
    )  # fmt: skip
    assert await documents.read_document(uow, ADA, document.id, settings()) == (
        document, PDF_BYTES,
    )  # fmt: skip
    [published] = uow.events_of(DocumentChanged)
    assert (published.document_id, published.size_bytes) == (document.id, len(PDF_BYTES))


async def test_a_document_too_large_or_of_another_type_is_refused(
    uow: FakeContactsUnitOfWork,
) -> None:
    grace = a_contact(uow)
    for content, error in [
        (PDF_BYTES + b"0" * MAX_DOCUMENT_BYTES, DocumentTooLarge),
        (b"MZ\x90\x00" + b"\x00" * 100, UnsupportedDocument),
    ]:
        with pytest.raises(error) as refused:
            await documents.add_document(
                uow, ADA, grace, filename="x.pdf", content=content,
                store=DatabaseDocumentStore(), now=NOW,
            )  # fmt: skip
        assert isinstance(refused.value, Invalid)
    with pytest.raises(TooLarge):
        await documents.add_document(
            uow, ADA, grace, filename="x.pdf", content=b"x" * (MAX_DOCUMENT_BYTES + 1),
            store=DatabaseDocumentStore(), now=NOW,
        )  # fmt: skip
    assert (uow.documents.rows, uow.document_contents.content, uow.published) == ({}, {}, [])


async def test_a_document_whose_bytes_are_gone_is_unavailable(
    uow: FakeContactsUnitOfWork,
) -> None:
    document = await documents.add_document(
        uow, ADA, a_contact(uow), filename="a.pdf", content=PDF_BYTES,
        store=DatabaseDocumentStore(), now=NOW,
    )  # fmt: skip
    uow.document_contents.content.clear()
    with pytest.raises(DocumentUnavailable):
        await documents.read_document(uow, ADA, document.id, settings())


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_an_uploads_file_is_discarded_unless_its_transaction_commits(
    uow: FakeContactsUnitOfWork, tmp_path: Path
) -> None:
    grace = a_contact(uow)

    async def upload(name: str, *, fail: bool) -> UUID:
        async with documents.NewDocumentBytes(settings(tmp_path)) as store:
            document = await documents.add_document(
                uow, ADA, grace, filename=name, content=b"name\nAda\n", store=store, now=NOW
            )
            if fail:
                raise ConnectionError("the commit failed")
        return document.id

    with pytest.raises(ConnectionError):
        await upload("lost.csv", fail=True)
    assert stored_files(tmp_path) == []
    kept = await upload("book.csv", fail=False)
    assert [path.name for path in stored_files(tmp_path)] == [kept.hex]
    removed = await records.remove_record(uow, records.DOCUMENTS, ADA, kept)
    await documents.discard_content(removed, settings(tmp_path))
    assert stored_files(tmp_path) == []


# Reminders (X3)


async def test_each_due_task_is_reminded_once(uow: FakeContactsUnitOfWork) -> None:
    clock = FrozenClock(NOW)
    grace = a_contact(uow)

    async def task(title: str, due_at: datetime) -> UUID:
        command = TaskCreate(contact_id=grace, title=title, due_at=due_at)
        return (await records.add_task(uow, ADA, command, now=NOW)).id

    overdue = [await task(f"overdue {n}", NOW - timedelta(hours=n + 1)) for n in range(3)]
    tomorrow = await task("tomorrow", NOW + timedelta(days=1))
    finished = await task("finished", NOW - timedelta(hours=1))
    await records.change_task(uow, ADA, finished, {"status": TaskStatus.DONE}, now=NOW)

    assert await reminders.remind_due_tasks(uow, now=clock.now(), limit=2) == 2
    assert await reminders.remind_due_tasks(uow, now=clock.now(), limit=2) == 1
    assert await reminders.remind_due_tasks(uow, now=clock.now(), limit=2) == 0
    assert sorted(event.task_id for event in uow.events_of(TaskDue)) == sorted(overdue)
    assert uow.tasks.rows[overdue[0]].reminded_at == NOW

    clock.advance(timedelta(days=2))
    assert await reminders.remind_due_tasks(uow, now=clock.now(), limit=2) == 1
    assert uow.events_of(TaskDue)[-1].task_id == tomorrow
    assert finished not in {event.task_id for event in uow.events_of(TaskDue)}


class FakeDatabase:
    """The part of ``Database`` a job uses: a transaction on the one fake unit of work."""

    def __init__(self, uow: FakeContactsUnitOfWork) -> None:
        self.uow = uow

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeContactsUnitOfWork]:
        yield self.uow
        await self.uow.commit()


async def test_the_reminders_job_reads_its_clock_and_settings(uow: FakeContactsUnitOfWork) -> None:
    grace = a_contact(uow)
    for n in range(3):  # more than one batch (reminder_batch_size=2)
        command = TaskCreate(contact_id=grace, title=f"t{n}", due_at=NOW + timedelta(hours=1))
        await records.add_task(uow, ADA, command, now=NOW)
    clock = FrozenClock(NOW)
    context = ServiceContext("contacts", settings(), FakeDatabase(uow), None, clock)  # type: ignore[arg-type]
    job = asyncio.create_task(reminders.run_reminders(context))
    try:
        await asyncio.sleep(0.05)
        assert uow.events_of(TaskDue) == []
        clock.advance(timedelta(hours=1))
        for _ in range(100):
            if len(uow.events_of(TaskDue)) == 3:
                break
            await asyncio.sleep(0.01)
        assert len(uow.events_of(TaskDue)) == 3
        assert uow.committed
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


# The answers over HTTP (the runtime's one handler)


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (NotFound("note"), 404, "no such note"),
        (TransitionRefused("status", "a task that is done cannot become in_progress"), 409,
         "a task that is done cannot become in_progress"),
        (RecordRuleError("ends_at", "the end must be after the start"), 422,
         [{"type": "value_error", "loc": ["body", "ends_at"], "msg": "the end must be after the start"}]),
        (DocumentTooLarge(), 413, "a document may be at most 10 MB"),
        (UnsupportedDocument("this kind of file is not accepted"), 415,
         "this kind of file is not accepted"),
        (DocumentUnavailable("the document's content is missing"), 503,
         "the document's content is missing"),
    ],
)  # fmt: skip
async def test_record_errors_answer_as_the_routes_always_did(
    error: DomainError, status: int, detail: Any
) -> None:
    response = await domain_error_response(None, error)  # type: ignore[arg-type]
    assert response.status_code == status
    assert json.loads(bytes(response.body)) == {"detail": detail}
