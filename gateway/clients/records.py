"""The contacts service's CRM records: notes, tasks (workflows), calendar events and documents."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

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
from gateway.clients.http import Download, NamedFile, ServiceClients, multipart
from gateway.store.users import User


def _query(query: BaseModel) -> dict[str, Any]:
    params: dict[str, Any] = query.model_dump(mode="json", exclude_none=True)
    return params


def _body(command: BaseModel) -> dict[str, Any]:
    """What the caller set: a change leaves the fields it does not name as they are."""
    body: dict[str, Any] = command.model_dump(mode="json", exclude_unset=True)
    return body


# Notes


async def list_notes(clients: ServiceClients, user: User, query: NoteListQuery) -> NotePage:
    return NotePage.model_validate(
        await clients.contacts.json("GET", "/notes", user, params=_query(query))
    )


async def list_contact_notes(
    clients: ServiceClients, user: User, contact_id: UUID, query: NoteListQuery
) -> NotePage:
    path = f"/contacts/{contact_id}/notes"
    return NotePage.model_validate(
        await clients.contacts.json("GET", path, user, params=_query(query))
    )


async def add_note(
    clients: ServiceClients, user: User, contact_id: UUID, note: NoteCreate
) -> NoteOut:
    path = f"/contacts/{contact_id}/notes"
    return NoteOut.model_validate(await clients.contacts.json("POST", path, user, json=_body(note)))


async def get_note(clients: ServiceClients, user: User, note_id: UUID) -> NoteOut:
    return NoteOut.model_validate(await clients.contacts.json("GET", f"/notes/{note_id}", user))


async def change_note(
    clients: ServiceClients, user: User, note_id: UUID, changes: NoteUpdate
) -> NoteOut:
    path = f"/notes/{note_id}"
    return NoteOut.model_validate(
        await clients.contacts.json("PATCH", path, user, json=_body(changes))
    )


async def delete_note(clients: ServiceClients, user: User, note_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/notes/{note_id}", user)


# Tasks / workflows


async def list_tasks(clients: ServiceClients, user: User, query: TaskListQuery) -> TaskPage:
    return TaskPage.model_validate(
        await clients.contacts.json("GET", "/tasks", user, params=_query(query))
    )


async def add_task(clients: ServiceClients, user: User, task: TaskCreate) -> TaskOut:
    return TaskOut.model_validate(
        await clients.contacts.json("POST", "/tasks", user, json=_body(task))
    )


async def get_task(clients: ServiceClients, user: User, task_id: UUID) -> TaskOut:
    return TaskOut.model_validate(await clients.contacts.json("GET", f"/tasks/{task_id}", user))


async def change_task(
    clients: ServiceClients, user: User, task_id: UUID, changes: TaskUpdate
) -> TaskOut:
    path = f"/tasks/{task_id}"
    return TaskOut.model_validate(
        await clients.contacts.json("PATCH", path, user, json=_body(changes))
    )


async def complete_task(clients: ServiceClients, user: User, task_id: UUID) -> TaskOut:
    return TaskOut.model_validate(
        await clients.contacts.json("POST", f"/tasks/{task_id}/complete", user)
    )


async def delete_task(clients: ServiceClients, user: User, task_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/tasks/{task_id}", user)


# Calendar events


async def list_events(clients: ServiceClients, user: User, query: EventListQuery) -> EventPage:
    return EventPage.model_validate(
        await clients.contacts.json("GET", "/events", user, params=_query(query))
    )


async def add_event(clients: ServiceClients, user: User, event: EventCreate) -> EventOut:
    return EventOut.model_validate(
        await clients.contacts.json("POST", "/events", user, json=_body(event))
    )


async def get_event(clients: ServiceClients, user: User, event_id: UUID) -> EventOut:
    return EventOut.model_validate(await clients.contacts.json("GET", f"/events/{event_id}", user))


async def change_event(
    clients: ServiceClients, user: User, event_id: UUID, changes: EventUpdate
) -> EventOut:
    path = f"/events/{event_id}"
    return EventOut.model_validate(
        await clients.contacts.json("PATCH", path, user, json=_body(changes))
    )


async def delete_event(clients: ServiceClients, user: User, event_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/events/{event_id}", user)


# Documents


async def list_documents(
    clients: ServiceClients, user: User, query: DocumentListQuery
) -> DocumentPage:
    return DocumentPage.model_validate(
        await clients.contacts.json("GET", "/documents", user, params=_query(query))
    )


async def list_contact_documents(
    clients: ServiceClients, user: User, contact_id: UUID, query: DocumentListQuery
) -> DocumentPage:
    path = f"/contacts/{contact_id}/documents"
    return DocumentPage.model_validate(
        await clients.contacts.json("GET", path, user, params=_query(query))
    )


async def upload_document(
    clients: ServiceClients, user: User, contact_id: UUID, file: NamedFile
) -> DocumentOut:
    path = f"/contacts/{contact_id}/documents"
    return DocumentOut.model_validate(
        await clients.contacts.json("POST", path, user, files=multipart(file))
    )


async def get_document(clients: ServiceClients, user: User, document_id: UUID) -> DocumentOut:
    return DocumentOut.model_validate(
        await clients.contacts.json("GET", f"/documents/{document_id}", user)
    )


async def document_content(
    clients: ServiceClients,
    user: User,
    document_id: UUID,
    disposition: Literal["inline", "attachment"],
) -> Download:
    """The document's bytes, to show in the browser (``inline``) or to save (``attachment``)."""
    path = f"/documents/{document_id}/content"
    return await clients.contacts.download(path, user, params={"disposition": disposition})


async def delete_document(clients: ServiceClients, user: User, document_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/documents/{document_id}", user)
