"""Pages: notes on contacts — the list, writing one, editing and deleting it (C7)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.access import Right
from contracts.api.records import NoteCreate, NoteListQuery, NoteUpdate
from gateway.auth.rights import needs
from gateway.clients import records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm, clock_of
from gateway.pages.record_forms import (
    list_params,
    list_query,
    local_target,
    page_context,
    pressed,
    record_form,
    submit,
)
from gateway.pages.rendering import render
from gateway.people import colleague_names
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


@router.get("/notes")
async def notes_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    params = list_params(request, {"sort": "created_at", "order": "desc"})
    notes = await records.list_notes(clients, user, list_query(NoteListQuery, params))
    return render(request, "notes.html", user=user, active="dashboard", **page_context(
        clock, notes=notes, params=params, authors=await colleague_names(database, user),
        pages=max(1, -(-notes.total // notes.page_size)),
    ))  # fmt: skip


@router.get("/notes/new")
async def new_note_form(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form = {"contact_id": request.query_params.get("contact_id", ""), "body": ""}
    target = local_target(request.query_params.get("next"), "/notes")
    return await _note_form(request, user, clients, database, form=form, target=target)


async def _note_form(
    request: Request, user: User, clients: ServiceClients, database: Database, **shown: Any
) -> HTMLResponse:
    """A note's contact is chosen when it is written, not changed after."""
    note = shown.setdefault("note", None)
    clock = await clock_of(database, user)
    return await record_form(request, user, clients, clock, "note_form.html",
                             contacts=[] if note else None, **shown)  # fmt: skip


@router.post("/notes")
async def create_note(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep, database: DatabaseDep
) -> Response:
    target = local_target(form.get("next"), "/notes")
    try:
        contact_id = UUID(form.get("contact_id", ""))
    except ValueError:
        return await _note_form(request, user, clients, database, form=form, target=target,
                                errors={"contact_id": "choose a contact"}, status_code=422)  # fmt: skip

    async def send() -> None:
        note = NoteCreate.model_validate({"body": form.get("body", "")})
        await records.add_note(clients, user, contact_id, note)

    async def again(refused: dict[str, str]) -> Response:
        return await _note_form(request, user, clients, database, form=form, target=target,
                                errors=refused, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, shown={404, 422})


@router.get("/notes/{note_id}/edit")
async def edit_note_form(
    request: Request, note_id: UUID, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    note = await records.get_note(clients, user, note_id)
    target = local_target(request.query_params.get("next"), "/notes")
    form = {"contact_id": str(note.contact_id), "body": note.body}
    return await _note_form(request, user, clients, database, form=form, target=target, note=note)


@router.post("/notes/{note_id}")
async def update_note(
    request: Request,
    note_id: UUID,
    user: PageUser,
    form: PostedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    target = local_target(form.get("next"), "/notes")

    async def send() -> None:
        changes = NoteUpdate.model_validate({"body": form.get("body", "")})
        await records.change_note(clients, user, note_id, changes)

    async def again(refused: dict[str, str]) -> Response:
        note = await records.get_note(clients, user, note_id)
        return await _note_form(request, user, clients, database, form=form, target=target,
                                note=note, errors=refused, status_code=422)  # fmt: skip

    return await submit(send, target=target, again=again, shown={422})


@router.post("/notes/{note_id}/delete")
async def delete_note(
    note_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await pressed(records.delete_note(clients, user, note_id), form, "/notes")
