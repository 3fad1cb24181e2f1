"""/api/v1: notes, tasks/workflows, calendar events and documents of contacts (C7).

Owned by the contacts service; the gateway adds what only it knows: that an assignee is a user of
the caller's master, and the upload limit before a byte reaches the service.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from contracts.access import Right
from contracts.api.records import (
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
    TaskUpdate,
)
from gateway.api.responses import (
    NOT_FOUND,
    RECORD_CHANGE,
    SERVICE_CALL,
    UPLOAD,
    document_download,
)
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import records
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.people import check_assignee
from gateway.uploads import read_document_upload, upload_body

router = APIRouter(tags=["records"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)])

DOCUMENT_UPLOAD_BODY = upload_body(
    "at most 10 MB: PDF, PNG, JPEG, GIF, UTF-8 text, CSV, .docx or .xlsx (judged by the content, "
    "not the name)"
)


# Notes


@router.get("/notes")
async def list_notes(
    params: Annotated[NoteListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> NotePage:
    return await records.list_notes(clients, user, params)


@router.get("/contacts/{contact_id}/notes", responses=NOT_FOUND)
async def list_contact_notes(
    contact_id: UUID,
    params: Annotated[NoteListQuery, Query()],
    user: CurrentUser,
    clients: ClientsDep,
) -> NotePage:
    return await records.list_contact_notes(clients, user, contact_id, params)


@router.post(
    "/contacts/{contact_id}/notes", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND
)
async def add_note(
    contact_id: UUID, body: NoteCreate, user: CurrentUser, clients: ClientsDep
) -> NoteOut:
    return await records.add_note(clients, user, contact_id, body)


@router.get("/notes/{note_id}", responses=NOT_FOUND)
async def get_note(note_id: UUID, user: CurrentUser, clients: ClientsDep) -> NoteOut:
    return await records.get_note(clients, user, note_id)


@router.patch("/notes/{note_id}", responses=NOT_FOUND)
async def change_note(
    note_id: UUID, body: NoteUpdate, user: CurrentUser, clients: ClientsDep
) -> NoteOut:
    return await records.change_note(clients, user, note_id, body)


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_note(note_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await records.delete_note(clients, user, note_id)


# Tasks / workflows


@router.get("/tasks")
async def list_tasks(
    params: Annotated[TaskListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> TaskPage:
    return await records.list_tasks(clients, user, params)


@router.post("/tasks", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
async def add_task(
    body: TaskCreate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> TaskOut:
    await check_assignee(database, user, body.assignee_user_id)
    return await records.add_task(clients, user, body)


@router.get("/tasks/{task_id}", responses=NOT_FOUND)
async def get_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> TaskOut:
    return await records.get_task(clients, user, task_id)


@router.patch("/tasks/{task_id}", responses=RECORD_CHANGE)
async def change_task(
    task_id: UUID, body: TaskUpdate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> TaskOut:
    await check_assignee(database, user, body.assignee_user_id)
    return await records.change_task(clients, user, task_id, body)


@router.post("/tasks/{task_id}/complete", responses=RECORD_CHANGE)
async def complete_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> TaskOut:
    return await records.complete_task(clients, user, task_id)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await records.delete_task(clients, user, task_id)


# Calendar events


@router.get("/events")
async def list_events(
    params: Annotated[EventListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> EventPage:
    return await records.list_events(clients, user, params)


@router.post("/events", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
async def add_event(body: EventCreate, user: CurrentUser, clients: ClientsDep) -> EventOut:
    return await records.add_event(clients, user, body)


@router.get("/events/{event_id}", responses=NOT_FOUND)
async def get_event(event_id: UUID, user: CurrentUser, clients: ClientsDep) -> EventOut:
    return await records.get_event(clients, user, event_id)


@router.patch("/events/{event_id}", responses=NOT_FOUND)
async def change_event(
    event_id: UUID, body: EventUpdate, user: CurrentUser, clients: ClientsDep
) -> EventOut:
    return await records.change_event(clients, user, event_id, body)


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_event(event_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await records.delete_event(clients, user, event_id)


# Documents


@router.get("/documents")
async def list_documents(
    params: Annotated[DocumentListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> DocumentPage:
    return await records.list_documents(clients, user, params)


@router.get("/contacts/{contact_id}/documents", responses=NOT_FOUND)
async def list_contact_documents(
    contact_id: UUID,
    params: Annotated[DocumentListQuery, Query()],
    user: CurrentUser,
    clients: ClientsDep,
) -> DocumentPage:
    return await records.list_contact_documents(clients, user, contact_id, params)


@router.post(
    "/contacts/{contact_id}/documents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DOCUMENT_UPLOAD_BODY,
    responses={**UPLOAD, **NOT_FOUND},
)
async def upload_document(
    contact_id: UUID, request: Request, user: CurrentUser, clients: ClientsDep
) -> DocumentOut:
    return await records.upload_document(
        clients, user, contact_id, await read_document_upload(request)
    )


@router.get("/documents/{document_id}", responses=NOT_FOUND)
async def get_document(document_id: UUID, user: CurrentUser, clients: ClientsDep) -> DocumentOut:
    return await records.get_document(clients, user, document_id)


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses={**document_download(), **NOT_FOUND},
)
async def document_content(
    document_id: UUID,
    user: CurrentUser,
    clients: ClientsDep,
    disposition: Literal["inline", "attachment"] = "attachment",
) -> Response:
    found = await records.document_content(clients, user, document_id, disposition)
    return passthrough_download(found)


@router.delete(
    "/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def delete_document(document_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await records.delete_document(clients, user, document_id)
