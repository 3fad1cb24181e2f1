"""Routes: notes, tasks/workflows, calendar events and documents of contacts (C7).

Each route parses, calls one use case and returns a view; the use cases' errors become HTTP
answers in the runtime's one handler (404, 409, 413, 415, 422, 503).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status
from pydantic import BaseModel

from contracts.access import Right
from contracts.api.records import (
    MAX_DOCUMENT_BYTES,
    DocumentListQuery,
    DocumentOut,
    DocumentPage,
    EventCreate,
    EventListQuery,
    EventOut,
    EventPage,
    EventUpdate,
    NoteCreate,
    NoteListQuery,
    NoteOut,
    NotePage,
    NoteUpdate,
    TaskCreate,
    TaskListQuery,
    TaskOut,
    TaskPage,
    TaskStatus,
    TaskUpdate,
)
from services.contacts.api.deps import DatabaseDep, SettingsDep
from services.contacts.domain.record_listings import Listed
from services.contacts.domain.records import Document, Record
from services.contacts.service_layer import documents, records
from services.contacts.service_layer.records import RecordKind
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller, CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["records"], dependencies=[Depends(requires(Right.CRM))])

OutT = TypeVar("OutT", bound=BaseModel)
QueryT = TypeVar("QueryT", bound="_ListQuery")
RecordT = TypeVar("RecordT", bound=Record)


class _ListQuery(Protocol):
    page: int
    page_size: int


def _view(out_type: type[OutT], record: object) -> OutT:
    """The record as the API shows it (the view's fields are the record's of the same name)."""
    return out_type.model_validate(record, from_attributes=True)


async def _one(
    database: DatabaseDep,
    kind: RecordKind[Any, Any],
    caller: Caller,
    record_id: UUID,
    out_type: type[OutT],
) -> OutT:
    async with database.unit_of_work() as uow:
        return _view(out_type, await records.get_record(uow, kind, caller, record_id))


async def _page(
    database: DatabaseDep,
    listing: Callable[[ContactsUnitOfWork, Caller, QueryT], Awaitable[Listed[Any]]],
    caller: Caller,
    params: QueryT,
    page_type: type[OutT],
) -> OutT:
    async with database.unit_of_work() as uow:
        listed = await listing(uow, caller, params)
    return page_type.model_validate(
        dict(items=listed.items, total=listed.total, page=params.page, page_size=params.page_size),
        from_attributes=True,
    )


async def _remove(
    database: DatabaseDep, kind: RecordKind[RecordT, Any], caller: Caller, record_id: UUID
) -> RecordT:
    async with database.transaction() as uow:
        return await records.remove_record(uow, kind, caller, record_id)


# Notes


@router.get("/notes")
async def list_notes(
    params: Annotated[NoteListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> NotePage:
    return await _page(database, records.list_notes, caller, params, NotePage)


@router.get("/contacts/{contact_id}/notes")
async def list_contact_notes(
    contact_id: UUID,
    params: Annotated[NoteListQuery, Query()],
    caller: CallerDep,
    database: DatabaseDep,
) -> NotePage:
    params = params.model_copy(update={"contact_id": contact_id})
    return await _page(database, records.list_notes, caller, params, NotePage)


@router.post("/contacts/{contact_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    contact_id: UUID, body: NoteCreate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> NoteOut:
    async with database.transaction() as uow:
        note = await records.add_note(uow, caller, contact_id, body.body, now=clock.now())
    return _view(NoteOut, note)


@router.get("/notes/{note_id}")
async def get_note(note_id: UUID, caller: CallerDep, database: DatabaseDep) -> NoteOut:
    return await _one(database, records.NOTES, caller, note_id, NoteOut)


@router.patch("/notes/{note_id}")
async def change_note(
    note_id: UUID, body: NoteUpdate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> NoteOut:
    async with database.transaction() as uow:
        note = await records.change_note(uow, caller, note_id, body.body, now=clock.now())
    return _view(NoteOut, note)


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(note_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    await _remove(database, records.NOTES, caller, note_id)


# Tasks / workflows


@router.get("/tasks")
async def list_tasks(
    params: Annotated[TaskListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> TaskPage:
    return await _page(database, records.list_tasks, caller, params, TaskPage)


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
async def add_task(
    body: TaskCreate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> TaskOut:
    async with database.transaction() as uow:
        task = await records.add_task(uow, caller, body, now=clock.now())
    return _view(TaskOut, task)


@router.get("/tasks/{task_id}")
async def get_task(task_id: UUID, caller: CallerDep, database: DatabaseDep) -> TaskOut:
    return await _one(database, records.TASKS, caller, task_id, TaskOut)


async def _change_task(
    database: DatabaseDep, caller: Caller, task_id: UUID, changes: dict[str, Any], now: datetime
) -> TaskOut:
    async with database.transaction() as uow:
        task = await records.change_task(uow, caller, task_id, changes, now=now)
    return _view(TaskOut, task)


@router.patch("/tasks/{task_id}")
async def change_task(
    task_id: UUID, body: TaskUpdate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> TaskOut:
    changes = body.model_dump(exclude_unset=True)
    return await _change_task(database, caller, task_id, changes, clock.now())


@router.post("/tasks/{task_id}/complete")
async def complete_task(
    task_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> TaskOut:
    return await _change_task(database, caller, task_id, {"status": TaskStatus.DONE}, clock.now())


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    await _remove(database, records.TASKS, caller, task_id)


# Calendar events


@router.get("/events")
async def list_events(
    params: Annotated[EventListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> EventPage:
    return await _page(database, records.list_events, caller, params, EventPage)


@router.post("/events", status_code=status.HTTP_201_CREATED)
async def add_event(
    body: EventCreate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> EventOut:
    async with database.transaction() as uow:
        event = await records.add_event(uow, caller, body, now=clock.now())
    return _view(EventOut, event)


@router.get("/events/{event_id}")
async def get_event(event_id: UUID, caller: CallerDep, database: DatabaseDep) -> EventOut:
    return await _one(database, records.EVENTS, caller, event_id, EventOut)


@router.patch("/events/{event_id}")
async def change_event(
    event_id: UUID, body: EventUpdate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> EventOut:
    changes = body.model_dump(exclude_unset=True)
    async with database.transaction() as uow:
        event = await records.change_event(uow, caller, event_id, changes, now=clock.now())
    return _view(EventOut, event)


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_event(event_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    await _remove(database, records.EVENTS, caller, event_id)


# Documents


@router.get("/documents")
async def list_documents(
    params: Annotated[DocumentListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> DocumentPage:
    return await _page(database, documents.list_documents, caller, params, DocumentPage)


@router.get("/contacts/{contact_id}/documents")
async def list_contact_documents(
    contact_id: UUID,
    params: Annotated[DocumentListQuery, Query()],
    caller: CallerDep,
    database: DatabaseDep,
) -> DocumentPage:
    params = params.model_copy(update={"contact_id": contact_id})
    return await _page(database, documents.list_documents, caller, params, DocumentPage)


@router.post("/contacts/{contact_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload_document(
    contact_id: UUID,
    file: Annotated[UploadFile, File(description="at most 10 MB")],
    caller: CallerDep,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> DocumentOut:
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    # the bytes are kept before the commit and discarded again if the transaction fails
    async with documents.NewDocumentBytes(settings) as store, database.transaction() as uow:
        document = await documents.add_document(
            uow, caller, contact_id, filename=file.filename, content=content, store=store,
            now=clock.now(),
        )  # fmt: skip
    return _view(DocumentOut, document)


@router.get("/documents/{document_id}")
async def get_document(document_id: UUID, caller: CallerDep, database: DatabaseDep) -> DocumentOut:
    return await _one(database, records.DOCUMENTS, caller, document_id, DocumentOut)


@router.get("/documents/{document_id}/content")
async def document_content(
    document_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    settings: SettingsDep,
    disposition: Literal["inline", "attachment"] = "attachment",
) -> Response:
    async with database.unit_of_work() as uow:
        document, content = await documents.read_document(uow, caller, document_id, settings)
    if disposition == "inline" and not document.viewable_inline:
        disposition = "attachment"
    return Response(
        content, media_type=document.content_type, headers=download_headers(document, disposition)
    )


def download_headers(document: Document, disposition: str) -> dict[str, str]:
    ascii_name = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_"
        for ch in document.filename
    )
    headers = {
        "Content-Disposition": (
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(document.filename, safe='')}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    if document.content_type != "application/pdf":
        # nothing in a served document may run or load anything (the PDF viewer needs leeway)
        headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return headers


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(
    document_id: UUID, caller: CallerDep, database: DatabaseDep, settings: SettingsDep
) -> None:
    document = await _remove(database, records.DOCUMENTS, caller, document_id)
    await documents.discard_content(document, settings)
