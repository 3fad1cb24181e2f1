"""Routes: notes, tasks/workflows, calendar events and documents of contacts (C7)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Annotated, Literal, Protocol, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, HTTPException, Query, Response, UploadFile, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

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
from services.contacts import records
from services.contacts.api.responses import found_or_404, invalid_input
from services.contacts.domain.records import (
    Document,
    RecordRuleError,
    TransitionRefused,
    UnsupportedDocument,
)
from services.contacts.store import records as store
from services.runtime.caller import Caller, CallerDep
from services.runtime.db import Database, UnitOfWork
from services.runtime.service import DatabaseDep

router = APIRouter(tags=["records"])

OutT = TypeVar("OutT", bound=BaseModel)
RecordT = TypeVar("RecordT")


@contextlib.asynccontextmanager
async def _change(database: Database) -> AsyncIterator[UnitOfWork]:
    """A transaction whose rule violations become precise HTTP errors."""
    try:
        async with database.unit_of_work() as uow:
            yield uow
            await uow.commit()
    except records.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except TransitionRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, error.message) from error
    except UnsupportedDocument as error:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, error.message) from error
    except records.DocumentTooLarge as error:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error)) from error
    except RecordRuleError as error:
        raise invalid_input(error.field, error.message) from error


def _out(out_type: type[OutT], record: object) -> OutT:
    """The record as the API shows it (the view's fields are the record's of the same name)."""
    return out_type.model_validate(record, from_attributes=True)


async def _one(
    database: Database,
    caller: Caller,
    load: Callable[[AsyncSession, str, UUID], Awaitable[RecordT | None]],
    record_id: UUID,
    what: str,
) -> RecordT:
    """The caller's record, or 404."""
    async with database.read() as session:
        return found_or_404(await load(session, caller.master_account_id, record_id), what)


class _ListQuery(Protocol):
    contact_id: UUID | None
    page: int
    page_size: int


def _offset(params: _ListQuery) -> int:
    return (params.page - 1) * params.page_size


async def _page(
    database: Database,
    caller: Caller,
    params: _ListQuery,
    page_type: type[OutT],
    listing: Callable[[AsyncSession, str], Awaitable[store.Listed]],
) -> OutT:
    """One page of ``listing`` (of a contact of the caller's, or 404, when the query names one)."""
    async with database.read() as session:
        if params.contact_id:
            await _require_contact(session, caller, params.contact_id)
        listed = await listing(session, caller.master_account_id)
    return page_type.model_validate(
        dict(items=listed.items, total=listed.total, page=params.page, page_size=params.page_size),
        from_attributes=True,
    )


async def _require_contact(session: AsyncSession, caller: Caller, contact_id: UUID) -> None:
    found_or_404(await store.contact_name(session, caller.master_account_id, contact_id), "contact")


# Notes


async def _note_page(database: Database, caller: Caller, params: NoteListQuery) -> NotePage:
    listing = partial(
        store.list_notes, contact_id=params.contact_id, sort=params.sort,
        descending=params.order == "desc", limit=params.page_size, offset=_offset(params),
    )  # fmt: skip
    return await _page(database, caller, params, NotePage, listing)


@router.get("/notes")
async def list_notes(
    params: Annotated[NoteListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> NotePage:
    return await _note_page(database, caller, params)


@router.get("/contacts/{contact_id}/notes")
async def list_contact_notes(
    contact_id: UUID,
    params: Annotated[NoteListQuery, Query()],
    caller: CallerDep,
    database: DatabaseDep,
) -> NotePage:
    return await _note_page(database, caller, params.model_copy(update={"contact_id": contact_id}))


@router.post("/contacts/{contact_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    contact_id: UUID, body: NoteCreate, caller: CallerDep, database: DatabaseDep
) -> NoteOut:
    async with _change(database) as uow:
        note = await records.add_note(uow, caller, contact_id, body.body)
    return _out(NoteOut, note)


@router.get("/notes/{note_id}")
async def get_note(note_id: UUID, caller: CallerDep, database: DatabaseDep) -> NoteOut:
    return _out(NoteOut, await _one(database, caller, store.get_note, note_id, "note"))


@router.patch("/notes/{note_id}")
async def change_note(
    note_id: UUID, body: NoteUpdate, caller: CallerDep, database: DatabaseDep
) -> NoteOut:
    async with _change(database) as uow:
        note = await records.change_note(uow, caller, note_id, body.body)
    return _out(NoteOut, note)


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(note_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        await records.remove_note(uow, caller, note_id)


# Tasks / workflows


@router.get("/tasks")
async def list_tasks(
    params: Annotated[TaskListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> TaskPage:
    where = store.TaskFilter(
        contact_id=params.contact_id,
        statuses=params.status,
        assignee_user_id=params.assignee_user_id,
        due_from=params.due_from,
        due_to=params.due_to,
    )
    listing = partial(
        store.list_tasks, where=where, sort=params.sort, descending=params.order == "desc",
        limit=params.page_size, offset=_offset(params),
    )  # fmt: skip
    return await _page(database, caller, params, TaskPage, listing)


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
async def add_task(body: TaskCreate, caller: CallerDep, database: DatabaseDep) -> TaskOut:
    async with _change(database) as uow:
        task = await records.add_task(uow, caller, body)
    return _out(TaskOut, task)


@router.get("/tasks/{task_id}")
async def get_task(task_id: UUID, caller: CallerDep, database: DatabaseDep) -> TaskOut:
    return _out(TaskOut, await _one(database, caller, store.get_task, task_id, "task"))


@router.patch("/tasks/{task_id}")
async def change_task(
    task_id: UUID, body: TaskUpdate, caller: CallerDep, database: DatabaseDep
) -> TaskOut:
    async with _change(database) as uow:
        task = await records.change_task(uow, caller, task_id, body.model_dump(exclude_unset=True))
    return _out(TaskOut, task)


@router.post("/tasks/{task_id}/complete")
async def complete_task(task_id: UUID, caller: CallerDep, database: DatabaseDep) -> TaskOut:
    async with _change(database) as uow:
        task = await records.change_task(uow, caller, task_id, {"status": TaskStatus.DONE})
    return _out(TaskOut, task)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        await records.remove_task(uow, caller, task_id)


# Calendar events


@router.get("/events")
async def list_events(
    params: Annotated[EventListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> EventPage:
    overlapping = (params.start, params.end) if params.start and params.end else None
    listing = partial(
        store.list_events, contact_id=params.contact_id, overlapping=overlapping,
        limit=params.page_size, offset=_offset(params),
    )  # fmt: skip
    return await _page(database, caller, params, EventPage, listing)


@router.post("/events", status_code=status.HTTP_201_CREATED)
async def add_event(body: EventCreate, caller: CallerDep, database: DatabaseDep) -> EventOut:
    async with _change(database) as uow:
        event = await records.add_event(uow, caller, body)
    return _out(EventOut, event)


@router.get("/events/{event_id}")
async def get_event(event_id: UUID, caller: CallerDep, database: DatabaseDep) -> EventOut:
    return _out(EventOut, await _one(database, caller, store.get_event, event_id, "event"))


@router.patch("/events/{event_id}")
async def change_event(
    event_id: UUID, body: EventUpdate, caller: CallerDep, database: DatabaseDep
) -> EventOut:
    async with _change(database) as uow:
        event = await records.change_event(
            uow, caller, event_id, body.model_dump(exclude_unset=True)
        )
    return _out(EventOut, event)


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_event(event_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        await records.remove_event(uow, caller, event_id)


# Documents


async def _document_page(
    database: Database, caller: Caller, params: DocumentListQuery
) -> DocumentPage:
    listing = partial(
        store.list_documents, contact_id=params.contact_id, limit=params.page_size,
        offset=_offset(params),
    )  # fmt: skip
    return await _page(database, caller, params, DocumentPage, listing)


@router.get("/documents")
async def list_documents(
    params: Annotated[DocumentListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> DocumentPage:
    return await _document_page(database, caller, params)


@router.get("/contacts/{contact_id}/documents")
async def list_contact_documents(
    contact_id: UUID,
    params: Annotated[DocumentListQuery, Query()],
    caller: CallerDep,
    database: DatabaseDep,
) -> DocumentPage:
    return await _document_page(
        database, caller, params.model_copy(update={"contact_id": contact_id})
    )


@router.post("/contacts/{contact_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload_document(
    contact_id: UUID,
    file: Annotated[UploadFile, File(description="at most 10 MB")],
    caller: CallerDep,
    database: DatabaseDep,
) -> DocumentOut:
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    documents = records.RecordsSettings().store_for_new_documents()
    document_id: UUID | None = None
    try:
        async with _change(database) as uow:
            document = await records.add_document(
                uow, caller, contact_id, filename=file.filename, content=content,
                documents=documents,
            )  # fmt: skip
            document_id = document.id
    except BaseException:
        if document_id is not None:
            await documents.discard(document_id)
        raise
    return _out(DocumentOut, document)


@router.get("/documents/{document_id}")
async def get_document(document_id: UUID, caller: CallerDep, database: DatabaseDep) -> DocumentOut:
    document = await _one(database, caller, store.get_document, document_id, "document")
    return _out(DocumentOut, document)


@router.get("/documents/{document_id}/content")
async def document_content(
    document_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    disposition: Literal["inline", "attachment"] = "attachment",
) -> Response:
    settings = records.RecordsSettings()
    try:
        async with database.read() as session:
            document, content = await records.read_document(session, caller, document_id, settings)
    except records.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except records.DocumentUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
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
async def delete_document(document_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        document = await records.remove_document(uow, caller, document_id)
    settings = records.RecordsSettings()
    with contextlib.suppress(records.DocumentUnavailable):
        await settings.store_named(document.storage).discard(document.id)
