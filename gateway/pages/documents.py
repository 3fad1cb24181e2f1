"""Pages: documents of contacts — the list, uploading one, viewing, downloading and deleting it
(C7). The upload limit is checked before a byte reaches the service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.access import Right
from contracts.api.records import DocumentListQuery
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.clients import records
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.pages.deps import MasterClock, PageUser, PostedForm, clock_of
from gateway.pages.record_forms import (
    list_params,
    list_query,
    local_target,
    page_context,
    pressed,
    problems,
    record_form,
)
from gateway.pages.rendering import render
from gateway.people import colleague_names
from gateway.refusals import invalid
from gateway.store.users import User
from gateway.uploads import read_document_upload
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


@router.get("/documents")
async def documents_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, database: DatabaseDep
) -> Response:
    params = list_params(request, {})
    documents = await records.list_documents(clients, user, list_query(DocumentListQuery, params))
    return render(request, "documents.html", user=user, active="dashboard", **page_context(
        clock, documents=documents, params=params, uploaders=await colleague_names(database, user),
        pages=max(1, -(-documents.total // documents.page_size)),
    ))  # fmt: skip


@router.get("/documents/new")
async def new_document_form(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form = {"contact_id": request.query_params.get("contact_id", "")}
    target = local_target(request.query_params.get("next"), "/documents")
    return await _document_form(request, user, clients, database, form=form, target=target)


async def _document_form(
    request: Request, user: User, clients: ServiceClients, database: Database, **shown: Any
) -> HTMLResponse:
    clock = await clock_of(database, user)
    return await record_form(request, user, clients, clock, "document_form.html", **shown)


@router.post("/documents")
async def create_document(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    form: dict[str, str] = {}
    target = "/documents"
    try:
        upload = await read_document_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        form = {"contact_id": upload.fields.get("contact_id", "")}
        target = local_target(upload.fields.get("next"), target)
        try:
            contact_id = UUID(form["contact_id"])
        except ValueError:
            raise invalid("contact_id", "choose a contact") from None
        await records.upload_document(clients, user, contact_id, upload)
    except HTTPException as error:
        if error.status_code not in {404, 413, 415, 422}:
            raise
        messages = problems(error, {})
        if "_" in messages:
            messages["file"] = messages.pop("_")
        return await _document_form(request, user, clients, database, form=form, target=target,
                                    errors=messages, status_code=error.status_code)  # fmt: skip
    return RedirectResponse(target, status_code=303)


@router.get("/documents/{document_id}/view")
async def view_document(document_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return passthrough_download(
        await records.document_content(clients, user, document_id, "inline")
    )


@router.get("/documents/{document_id}/download")
async def download_document(document_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return passthrough_download(
        await records.document_content(clients, user, document_id, "attachment")
    )


@router.post("/documents/{document_id}/delete")
async def delete_document(
    document_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await pressed(records.delete_document(clients, user, document_id), form, "/documents")
