"""Rules of the CRM records (C7): event times, task status and reminders, document types."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import openpyxl
import pytest
from pydantic import ValidationError

from contracts.api.records import EventCreate, EventListQuery, TaskStatus, TaskUpdate
from contracts.crm import TaskPriority
from services.contacts.api.records import download_headers
from services.contacts.domain.document_kinds import (
    CSV,
    DOCX,
    GIF,
    JPEG,
    PDF,
    PNG,
    TEXT,
    XLSX,
    EmptyDocument,
    UnsupportedDocument,
    safe_filename,
    sniff_document,
)
from services.contacts.domain.records import (
    CalendarEvent,
    Document,
    Note,
    RecordRuleError,
    Task,
    TransitionRefused,
    apply_event_changes,
    apply_task_changes,
    change_status,
    edit_note,
    new_event,
    next_version,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def a_task(**values: object) -> Task:
    defaults: dict[str, object] = {
        "master_account_id": "F1000001", "contact_id": uuid4(), "title": "Call back",
        "assignee_user_id": "u1", "created_by": "u1", "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return Task(**(defaults | values))  # type: ignore[arg-type]


def an_event(**values: object) -> CalendarEvent:
    defaults: dict[str, object] = {
        "master_account_id": "F1000001", "contact_id": uuid4(), "title": "Review",
        "starts_at": NOW, "ends_at": NOW + timedelta(hours=1), "created_by": "u1",
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return new_event(**defaults | values)


# Calendar events


def test_an_event_must_end_after_it_starts() -> None:
    with pytest.raises(RecordRuleError) as refused:
        an_event(ends_at=NOW)
    assert refused.value.field == "ends_at"
    with pytest.raises(RecordRuleError):
        an_event(ends_at=NOW - timedelta(minutes=1))


def test_moving_one_end_is_checked_against_the_stored_other_end() -> None:
    event = an_event()
    moved = apply_event_changes(event, {"starts_at": NOW - timedelta(hours=2)}, now=NOW)
    assert moved.ends_at - moved.starts_at == timedelta(hours=3)
    with pytest.raises(RecordRuleError) as refused:
        apply_event_changes(event, {"starts_at": NOW + timedelta(hours=2)}, now=NOW)
    assert refused.value.field == "ends_at"


def test_naive_times_are_refused() -> None:
    with pytest.raises(RecordRuleError):
        an_event(starts_at=NOW.replace(tzinfo=None), ends_at=NOW.replace(tzinfo=None))


def test_the_create_command_names_the_end_when_it_is_before_the_start() -> None:
    with pytest.raises(ValidationError) as refused:
        EventCreate(contact_id=uuid4(), title="x", starts_at=NOW, ends_at=NOW - timedelta(hours=1))
    assert [error["loc"] for error in refused.value.errors()] == [("ends_at",)]
    with pytest.raises(ValidationError):
        EventCreate.model_validate(
            {"contact_id": str(uuid4()), "title": "x", "starts_at": "2026-03-02T09:00:00",
             "ends_at": "2026-03-02T10:00:00"}
        )  # fmt: skip


def test_a_range_query_needs_both_ends_in_order_and_bounded() -> None:
    assert EventListQuery(start=NOW, end=NOW + timedelta(days=31)).end is not None
    for bad in [{"start": NOW}, {"start": NOW, "end": NOW}, {"start": NOW, "end": NOW + timedelta(days=500)}]:  # fmt: skip
        with pytest.raises(ValidationError):
            EventListQuery.model_validate(bad)


# Tasks


def test_task_status_moves_forward_and_finished_tasks_only_reopen() -> None:
    task = change_status(a_task(), TaskStatus.IN_PROGRESS, now=NOW)
    done = change_status(task, TaskStatus.DONE, now=NOW)
    assert done.completed_at == NOW
    with pytest.raises(TransitionRefused):
        change_status(done, TaskStatus.IN_PROGRESS, now=NOW)
    with pytest.raises(TransitionRefused):
        change_status(done, TaskStatus.CANCELLED, now=NOW)
    reopened = change_status(done, TaskStatus.OPEN, now=NOW)
    assert reopened.completed_at is None
    cancelled = change_status(reopened, TaskStatus.CANCELLED, now=NOW)
    assert cancelled.completed_at == NOW
    assert change_status(cancelled, TaskStatus.CANCELLED, now=NOW) is cancelled


def test_a_reminder_is_due_once_for_active_tasks_past_their_due_time() -> None:
    task = a_task(due_at=NOW - timedelta(minutes=1))
    assert task.reminder_due(NOW)
    assert not a_task(due_at=NOW + timedelta(minutes=1)).reminder_due(NOW)
    assert not a_task().reminder_due(NOW)
    assert not a_task(due_at=NOW, reminded_at=NOW).reminder_due(NOW)
    assert not a_task(due_at=NOW, status=TaskStatus.DONE).reminder_due(NOW)
    event = task.due_event()
    assert (event.task_id, event.assignee_user_id, event.due_at) == (task.id, "u1", task.due_at)


def test_a_due_date_moved_into_the_future_rearms_the_reminder() -> None:
    reminded = a_task(due_at=NOW - timedelta(hours=1), reminded_at=NOW)
    later = apply_task_changes(reminded, {"due_at": NOW + timedelta(days=1)}, now=NOW)
    assert later.reminded_at is None
    earlier = apply_task_changes(reminded, {"due_at": NOW - timedelta(days=1)}, now=NOW)
    assert earlier.reminded_at == NOW


def test_a_partial_update_changes_only_what_was_sent() -> None:
    task = a_task(description="keep", due_at=NOW)
    changes = TaskUpdate(priority=TaskPriority.HIGH, status=TaskStatus.DONE).model_dump(
        exclude_unset=True
    )
    changed = apply_task_changes(task, changes, now=NOW + timedelta(minutes=5))
    assert (changed.priority, changed.status, changed.description) == (
        TaskPriority.HIGH,
        TaskStatus.DONE,
        "keep",
    )
    assert changed.updated_at == NOW + timedelta(minutes=5)


def test_required_task_fields_may_not_be_cleared() -> None:
    with pytest.raises(ValidationError) as refused:
        TaskUpdate.model_validate({"title": None})
    assert refused.value.errors()[0]["loc"] == ("title",)
    assert TaskUpdate.model_validate({"due_at": None}).model_dump(exclude_unset=True) == {
        "due_at": None
    }


# Documents


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def workbook() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [
        (b"%PDF-1.7\n...", "statement.pdf", PDF),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "scan.png", PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.jpeg", JPEG),
        (b"GIF89a\x01\x00", "a.gif", GIF),
        ("Notes — café\n".encode(), "notes.txt", TEXT),
        (b"name,amount\nAda,1\n", "book.csv", CSV),
        (b"name,amount\nAda,1\n", "book.txt", TEXT),
        (office_file("word/document.xml"), "letter.docx", DOCX),
        (workbook(), "book.xlsx", XLSX),
    ],
)
def test_allowed_documents_are_recognised_by_their_bytes(
    content: bytes, filename: str, kind: object
) -> None:
    assert sniff_document(content, filename) == kind


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf"),  # a Windows program named .pdf
        (b"\x00\x01\x02\x03binary", "data.txt"),
        ("café au lait".encode("latin-1"), "latin.txt"),
        (
            office_file("payload/evil.js").replace(b"[Content_Types].xml", b"[Content_Types].xmx"),
            "x.docx",
        ),
        (office_file("other/thing.xml"), "x.xlsx"),
        (b"PK\x03\x04 not really a zip", "x.zip"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "page.txt"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "image.txt"),
    ],
)
def test_other_files_are_refused_whatever_their_name(content: bytes, filename: str) -> None:
    with pytest.raises(UnsupportedDocument) as refused:
        sniff_document(content, filename)
    assert refused.value.field == "file"
    assert "allowed" in refused.value.message or "damaged" in refused.value.message


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EmptyDocument):
        sniff_document(b"", "empty.txt")


@pytest.mark.parametrize(
    ("uploaded", "kind", "kept"),
    [
        ("statement.pdf", PDF, "statement.pdf"),
        ("C:\\Users\\ada\\My Scan.PNG", PNG, "My Scan.PNG"),
        ("../../etc/passwd", TEXT, "passwd.txt"),
        ("page.html", TEXT, "page.html.txt"),
        ("re\x00port\r\n.pdf", PDF, "report.pdf"),
        ("", CSV, "document.csv"),
        (None, PDF, "document.pdf"),
        ("x" * 300 + ".pdf", PDF, "x" * 196 + ".pdf"),
    ],
)
def test_kept_file_names_have_no_path_controls_or_misleading_extension(
    uploaded: str | None, kind: object, kept: str
) -> None:
    assert safe_filename(uploaded, kind) == kept  # type: ignore[arg-type]


def test_downloads_name_the_file_safely_and_forbid_sniffing() -> None:
    document = Document(
        master_account_id="F1000001", contact_id=uuid4(), filename='Relevé "2026".pdf',
        content_type=PDF.content_type, size_bytes=10, sha256="0" * 64, storage="database",
        uploaded_by="u1", created_at=NOW,
    )  # fmt: skip
    headers = download_headers(document, "attachment")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"Relev_ _2026_.pdf\"; filename*=UTF-8''Relev%C3%A9%20%222026%22.pdf"
    )


# Events (X1)


def a_note(**values: object) -> Note:
    defaults: dict[str, object] = {
        "master_account_id": "F1000001", "contact_id": uuid4(), "author_user_id": "u1",
        "body": "Met at the fair", "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return Note(**(defaults | values))  # type: ignore[arg-type]


def test_a_change_is_the_next_version_and_a_change_of_nothing_is_none() -> None:
    later = NOW + timedelta(minutes=5)
    note = a_note()
    assert edit_note(note, note.body, now=later) is note
    edited = edit_note(note, "Met at the spring fair", now=later)
    assert (edited.version, edited.updated_at) == (2, later)

    task = a_task(status=TaskStatus.DONE, completed_at=NOW)
    nothings: list[dict[str, Any]] = [{"status": TaskStatus.DONE}, {"title": task.title}, {}]
    for nothing in nothings:
        assert apply_task_changes(task, nothing, now=later) is task
    reopened = apply_task_changes(task, {"status": TaskStatus.OPEN}, now=later)
    assert (reopened.version, reopened.updated_at, reopened.completed_at) == (2, later, None)

    event = an_event()
    assert apply_event_changes(event, {"title": event.title}, now=later) is event
    moved = apply_event_changes(event, {"location": "Office"}, now=later)
    assert (moved.version, moved.updated_at) == (2, later)


def test_each_record_publishes_its_whole_state_keyed_by_its_contact() -> None:
    task = a_task(due_at=NOW, priority=TaskPriority.HIGH, description="bring forms", version=3)
    changed = task.changed_event("u2")
    assert changed.model_dump(exclude={"type"}) == {
        "task_id": task.id, "contact_id": task.contact_id, "title": "Call back",
        "description": "bring forms", "assignee_user_id": "u1", "created_by": "u1",
        "priority": TaskPriority.HIGH, "status": TaskStatus.OPEN, "due_at": NOW,
        "email_reminder": False, "completed_at": None, "created_at": NOW, "updated_at": NOW,
        "changed_by": "u2", "deleted": False, "version": 3,
    }  # fmt: skip
    note = a_note()
    event = an_event(location="Office")
    document = Document(
        master_account_id="F1000001", contact_id=uuid4(), filename="a.pdf",
        content_type=PDF.content_type, size_bytes=10, sha256="0" * 64, storage="database",
        uploaded_by="u1", created_at=NOW,
    )  # fmt: skip
    for record in (task, note, event, document):
        published = record.changed_event("u2")
        assert published.partition_key() == str(record.contact_id)
        assert (published.version, published.deleted) == (record.version, False)
    assert (note.changed_event("u1").body, event.changed_event("u1").location) == (
        "Met at the fair", "Office",
    )  # fmt: skip
    removed = next_version(document)
    assert isinstance(removed, Document)
    gone = removed.changed_event("u2", deleted=True)
    assert (gone.document_id, gone.version, gone.deleted, gone.sha256) == (
        document.id, 2, True, "0" * 64,
    )  # fmt: skip
    assert document.version == 1
