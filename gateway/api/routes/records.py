"""/api/v1: notes, tasks/workflows, calendar events and documents of contacts (C7).

Owned by the contacts service; the gateway adds what only it knows: that an assignee is a user of
the caller's master, and the upload limit before a byte reaches the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.datastructures import UploadFile

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
    TaskUpdate,
)
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.api.files import passthrough_download, upload_body
from gateway.auth.deps import CurrentUser
from gateway.clients import ServiceClient
from gateway.store import people
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(tags=["records"])

# room for the multipart framing around the file
MAX_UPLOAD_REQUEST_BYTES = MAX_DOCUMENT_BYTES + 64 * 1024
TOO_LARGE = f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
DOCUMENT_UPLOAD_BODY = upload_body(
    "at most 10 MB: PDF, PNG, JPEG, GIF, UTF-8 text, CSV, .docx or .xlsx (judged by the content, "
    "not the name)"
)


def _query(params: Any) -> dict[str, Any]:
    query: dict[str, Any] = params.model_dump(mode="json", exclude_none=True)
    return query


def _body(command: Any) -> dict[str, Any]:
    body: dict[str, Any] = command.model_dump(mode="json", exclude_unset=True)
    return body


def invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"type": "value_error", "loc": ["body", field], "msg": message}],
    )


async def check_assignee(database: Database, user: User, assignee_user_id: str | None) -> None:
    if assignee_user_id is None:
        return
    async with database.read() as session:
        known = await people.is_colleague(session, user.master_account_id, assignee_user_id)
    if not known:
        raise invalid("assignee_user_id", "not a user of your master account")


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str
    fields: dict[str, str]


async def read_upload(request: Request) -> Upload:
    """The form's ``file`` (and its other fields), refusing an oversized request before its body
    is read whenever the client declared its length."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_REQUEST_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, TOO_LARGE)
    async with request.form(max_files=1, max_fields=20) as form:
        file = form.get("file")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        if not isinstance(file, UploadFile) or not file.filename:
            raise invalid("file", "choose a file to upload")
        content = await file.read(MAX_DOCUMENT_BYTES + 1)
        if len(content) > MAX_DOCUMENT_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, TOO_LARGE)
        content_type = file.content_type or "application/octet-stream"
        return Upload(file.filename, content, content_type, fields)


async def upload_to(
    contacts: ServiceClient, user: User, contact_id: UUID, upload: Upload
) -> DocumentOut:
    created = await contacts.json(
        "POST", f"/contacts/{contact_id}/documents", user,
        files={"file": (upload.filename, upload.content, upload.content_type)},
    )  # fmt: skip
    return DocumentOut.model_validate(created)


async def download_from(
    contacts: ServiceClient, user: User, document_id: UUID, disposition: str
) -> Response:
    found = await contacts.call(
        "GET", f"/documents/{document_id}/content", user, params={"disposition": disposition}
    )
    return passthrough_download(found)


# Notes


@router.get("/notes")
async def list_notes(
    params: Annotated[NoteListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> NotePage:
    return NotePage.model_validate(
        await clients.contacts.json("GET", "/notes", user, params=_query(params))
    )


@router.get("/contacts/{contact_id}/notes")
async def list_contact_notes(
    contact_id: UUID,
    params: Annotated[NoteListQuery, Query()],
    user: CurrentUser,
    clients: ClientsDep,
) -> NotePage:
    path = f"/contacts/{contact_id}/notes"
    return NotePage.model_validate(
        await clients.contacts.json("GET", path, user, params=_query(params))
    )


@router.post("/contacts/{contact_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    contact_id: UUID, body: NoteCreate, user: CurrentUser, clients: ClientsDep
) -> NoteOut:
    path = f"/contacts/{contact_id}/notes"
    return NoteOut.model_validate(await clients.contacts.json("POST", path, user, json=_body(body)))


@router.get("/notes/{note_id}")
async def get_note(note_id: UUID, user: CurrentUser, clients: ClientsDep) -> NoteOut:
    return NoteOut.model_validate(await clients.contacts.json("GET", f"/notes/{note_id}", user))


@router.patch("/notes/{note_id}")
async def change_note(
    note_id: UUID, body: NoteUpdate, user: CurrentUser, clients: ClientsDep
) -> NoteOut:
    return NoteOut.model_validate(
        await clients.contacts.json("PATCH", f"/notes/{note_id}", user, json=_body(body))
    )


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(note_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/notes/{note_id}", user)


# Tasks / workflows


@router.get("/tasks")
async def list_tasks(
    params: Annotated[TaskListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> TaskPage:
    return TaskPage.model_validate(
        await clients.contacts.json("GET", "/tasks", user, params=_query(params))
    )


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
async def add_task(
    body: TaskCreate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> TaskOut:
    await check_assignee(database, user, body.assignee_user_id)
    return TaskOut.model_validate(
        await clients.contacts.json("POST", "/tasks", user, json=_body(body))
    )


@router.get("/tasks/{task_id}")
async def get_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> TaskOut:
    return TaskOut.model_validate(await clients.contacts.json("GET", f"/tasks/{task_id}", user))


@router.patch("/tasks/{task_id}")
async def change_task(
    task_id: UUID, body: TaskUpdate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> TaskOut:
    await check_assignee(database, user, body.assignee_user_id)
    return TaskOut.model_validate(
        await clients.contacts.json("PATCH", f"/tasks/{task_id}", user, json=_body(body))
    )


@router.post("/tasks/{task_id}/complete")
async def complete_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> TaskOut:
    return TaskOut.model_validate(
        await clients.contacts.json("POST", f"/tasks/{task_id}/complete", user)
    )


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/tasks/{task_id}", user)


# Calendar events


@router.get("/events")
async def list_events(
    params: Annotated[EventListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> EventPage:
    return EventPage.model_validate(
        await clients.contacts.json("GET", "/events", user, params=_query(params))
    )


@router.post("/events", status_code=status.HTTP_201_CREATED)
async def add_event(body: EventCreate, user: CurrentUser, clients: ClientsDep) -> EventOut:
    return EventOut.model_validate(
        await clients.contacts.json("POST", "/events", user, json=_body(body))
    )


@router.get("/events/{event_id}")
async def get_event(event_id: UUID, user: CurrentUser, clients: ClientsDep) -> EventOut:
    return EventOut.model_validate(await clients.contacts.json("GET", f"/events/{event_id}", user))


@router.patch("/events/{event_id}")
async def change_event(
    event_id: UUID, body: EventUpdate, user: CurrentUser, clients: ClientsDep
) -> EventOut:
    return EventOut.model_validate(
        await clients.contacts.json("PATCH", f"/events/{event_id}", user, json=_body(body))
    )


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_event(event_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/events/{event_id}", user)


# Documents


@router.get("/documents")
async def list_documents(
    params: Annotated[DocumentListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> DocumentPage:
    return DocumentPage.model_validate(
        await clients.contacts.json("GET", "/documents", user, params=_query(params))
    )


@router.get("/contacts/{contact_id}/documents")
async def list_contact_documents(
    contact_id: UUID,
    params: Annotated[DocumentListQuery, Query()],
    user: CurrentUser,
    clients: ClientsDep,
) -> DocumentPage:
    path = f"/contacts/{contact_id}/documents"
    return DocumentPage.model_validate(
        await clients.contacts.json("GET", path, user, params=_query(params))
    )


@router.post(
    "/contacts/{contact_id}/documents",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=DOCUMENT_UPLOAD_BODY,
    responses={413: {"description": "over 10 MB"}, 415: {"description": "a type not accepted"}},
)
async def upload_document(
    contact_id: UUID, request: Request, user: CurrentUser, clients: ClientsDep
) -> DocumentOut:
    return await upload_to(clients.contacts, user, contact_id, await read_upload(request))


@router.get("/documents/{document_id}")
async def get_document(document_id: UUID, user: CurrentUser, clients: ClientsDep) -> DocumentOut:
    return DocumentOut.model_validate(
        await clients.contacts.json("GET", f"/documents/{document_id}", user)
    )


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses={
        200: {"description": "the document's bytes", "content": {"application/octet-stream": {}}}
    },
)
async def document_content(
    document_id: UUID,
    user: CurrentUser,
    clients: ClientsDep,
    disposition: Literal["inline", "attachment"] = "attachment",
) -> Response:
    return await download_from(clients.contacts, user, document_id, disposition)


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(document_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/documents/{document_id}", user)
