"""Page: a contact's agenda — its workflows, notes, documents and events, upcoming and past
(C11)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.records import DocumentListQuery, EventListQuery, NoteListQuery, TaskListQuery
from gateway.auth.rights import needs
from gateway.clients import contacts, records
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import MasterClock, PageUser
from gateway.pages.record_forms import TASK_STATUS_LABELS, page_context
from gateway.pages.rendering import render
from gateway.people import colleague_names

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


@router.get("/contacts/{contact_id}/agenda")
async def contact_agenda(
    request: Request,
    contact_id: UUID,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    contact = await contacts.get_contact(clients, user, contact_id)
    tasks, notes, documents, events = await asyncio.gather(
        records.list_tasks(clients, user,
                           TaskListQuery(contact_id=contact_id, sort="due_at", page_size=100)),
        records.list_notes(clients, user, NoteListQuery(contact_id=contact_id, page_size=100)),
        records.list_contact_documents(clients, user, contact_id,
                                       DocumentListQuery(page_size=100)),
        records.list_events(clients, user, EventListQuery(contact_id=contact_id, page_size=200)),
    )  # fmt: skip
    now = clock.now()
    return render(request, "contact_agenda.html", user=user, active="contacts", **page_context(
        clock, contact=contact, tab="agenda", tasks=tasks, notes=notes, documents=documents,
        upcoming=[event for event in events.items if event.ends_at >= now],
        past=[event for event in events.items if event.ends_at < now][::-1],
        here=f"/contacts/{contact_id}/agenda", statuses=TASK_STATUS_LABELS,
        people=await colleague_names(database, user),
    ))  # fmt: skip
