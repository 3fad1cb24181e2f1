"""The contacts service's CRM records: notes, tasks (workflows), calendar events and documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
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

OutT = TypeVar("OutT", bound=BaseModel)
PageT = TypeVar("PageT", bound=BaseModel)


@dataclass(frozen=True)
class RecordCalls(Generic[OutT, PageT]):
    """The calls every kind of record answers the same way, at ``/<kind>`` and
    ``/contacts/{id}/<kind>``; each typed function below is one of them."""

    kind: str
    out: type[OutT]
    page: type[PageT]

    async def list(
        self, clients: ServiceClients, user: User, query: BaseModel, *, of: UUID | None = None
    ) -> PageT:
        path = f"/contacts/{of}/{self.kind}" if of else f"/{self.kind}"
        params = query.model_dump(mode="json", exclude_none=True)
        return self.page.model_validate(
            await clients.contacts.json("GET", path, user, params=params)
        )

    async def add(
        self, clients: ServiceClients, user: User, command: BaseModel, *, of: UUID | None = None
    ) -> OutT:
        path = f"/contacts/{of}/{self.kind}" if of else f"/{self.kind}"
        return self.out.model_validate(
            await clients.contacts.json("POST", path, user, json=_set_fields(command))
        )

    async def get(self, clients: ServiceClients, user: User, record_id: UUID) -> OutT:
        path = f"/{self.kind}/{record_id}"
        return self.out.model_validate(await clients.contacts.json("GET", path, user))

    async def change(
        self, clients: ServiceClients, user: User, record_id: UUID, changes: BaseModel
    ) -> OutT:
        path = f"/{self.kind}/{record_id}"
        return self.out.model_validate(
            await clients.contacts.json("PATCH", path, user, json=_set_fields(changes))
        )

    async def delete(self, clients: ServiceClients, user: User, record_id: UUID) -> None:
        await clients.contacts.call("DELETE", f"/{self.kind}/{record_id}", user)


def _set_fields(command: BaseModel) -> dict[str, Any]:
    """What the caller set: a change leaves the fields it does not name as they are."""
    body: dict[str, Any] = command.model_dump(mode="json", exclude_unset=True)
    return body


NOTES = RecordCalls("notes", NoteOut, NotePage)
TASKS = RecordCalls("tasks", TaskOut, TaskPage)
EVENTS = RecordCalls("events", EventOut, EventPage)
DOCUMENTS = RecordCalls("documents", DocumentOut, DocumentPage)


# Notes


async def list_notes(clients: ServiceClients, user: User, query: NoteListQuery) -> NotePage:
    return await NOTES.list(clients, user, query)


async def list_contact_notes(
    clients: ServiceClients, user: User, contact_id: UUID, query: NoteListQuery
) -> NotePage:
    return await NOTES.list(clients, user, query, of=contact_id)


async def add_note(
    clients: ServiceClients, user: User, contact_id: UUID, note: NoteCreate
) -> NoteOut:
    return await NOTES.add(clients, user, note, of=contact_id)


async def get_note(clients: ServiceClients, user: User, note_id: UUID) -> NoteOut:
    return await NOTES.get(clients, user, note_id)


async def change_note(
    clients: ServiceClients, user: User, note_id: UUID, changes: NoteUpdate
) -> NoteOut:
    return await NOTES.change(clients, user, note_id, changes)


async def delete_note(clients: ServiceClients, user: User, note_id: UUID) -> None:
    await NOTES.delete(clients, user, note_id)


# Tasks / workflows


async def list_tasks(clients: ServiceClients, user: User, query: TaskListQuery) -> TaskPage:
    return await TASKS.list(clients, user, query)


async def add_task(clients: ServiceClients, user: User, task: TaskCreate) -> TaskOut:
    return await TASKS.add(clients, user, task)


async def get_task(clients: ServiceClients, user: User, task_id: UUID) -> TaskOut:
    return await TASKS.get(clients, user, task_id)


async def change_task(
    clients: ServiceClients, user: User, task_id: UUID, changes: TaskUpdate
) -> TaskOut:
    return await TASKS.change(clients, user, task_id, changes)


async def complete_task(clients: ServiceClients, user: User, task_id: UUID) -> TaskOut:
    return TaskOut.model_validate(
        await clients.contacts.json("POST", f"/tasks/{task_id}/complete", user)
    )


async def delete_task(clients: ServiceClients, user: User, task_id: UUID) -> None:
    await TASKS.delete(clients, user, task_id)


# Calendar events


async def list_events(clients: ServiceClients, user: User, query: EventListQuery) -> EventPage:
    return await EVENTS.list(clients, user, query)


async def add_event(clients: ServiceClients, user: User, event: EventCreate) -> EventOut:
    return await EVENTS.add(clients, user, event)


async def get_event(clients: ServiceClients, user: User, event_id: UUID) -> EventOut:
    return await EVENTS.get(clients, user, event_id)


async def change_event(
    clients: ServiceClients, user: User, event_id: UUID, changes: EventUpdate
) -> EventOut:
    return await EVENTS.change(clients, user, event_id, changes)


async def delete_event(clients: ServiceClients, user: User, event_id: UUID) -> None:
    await EVENTS.delete(clients, user, event_id)


# Documents


async def list_documents(
    clients: ServiceClients, user: User, query: DocumentListQuery
) -> DocumentPage:
    return await DOCUMENTS.list(clients, user, query)


async def list_contact_documents(
    clients: ServiceClients, user: User, contact_id: UUID, query: DocumentListQuery
) -> DocumentPage:
    return await DOCUMENTS.list(clients, user, query, of=contact_id)


async def upload_document(
    clients: ServiceClients, user: User, contact_id: UUID, file: NamedFile
) -> DocumentOut:
    path = f"/contacts/{contact_id}/documents"
    return DocumentOut.model_validate(
        await clients.contacts.json("POST", path, user, files=multipart(file))
    )


async def get_document(clients: ServiceClients, user: User, document_id: UUID) -> DocumentOut:
    return await DOCUMENTS.get(clients, user, document_id)


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
    await DOCUMENTS.delete(clients, user, document_id)
