"""/api/v1: contact imports (template, CSV, Excel, vCard) and exports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from contracts.api.transfers import (
    TWO_FACTOR_HEADER,
    TWO_FACTOR_VERIFIED,
    ContactsUpload,
    ImportRefused,
    ImportReport,
    read_contacts_upload,
)
from gateway.api.deps import ClientsDep
from gateway.api.files import passthrough_download, upload_body
from gateway.auth.deps import CurrentUser, signed_in
from gateway.clients import ServiceClients
from gateway.store.users import User

router = APIRouter(prefix="/contacts", tags=["contacts"])

EXPORT_TIMEOUT_SECONDS = 120.0
TWO_FACTOR_NEEDED = (
    "the full client data export needs two-factor authentication: turn it on under Settings"
)
TWO_FACTOR_LOGIN_NEEDED = (
    "the full client data export needs a session that used a two-factor code: log in again"
)
UPLOAD_BODY = upload_body(".csv or .xlsx (at most 2 MB, 100 rows) or .vcf (at most 1 MB)")


async def read_upload(request: Request) -> ContactsUpload:
    return await read_contacts_upload(request, missing_file="choose a file to import")


async def import_upload(
    clients: ServiceClients, user: User, upload: ContactsUpload
) -> ImportReport:
    """Hand the file to the contacts service; its 422 lists every problem and saves nothing."""
    report = await clients.contacts.json(
        "POST", "/contacts/import", user,
        files={"file": (upload.filename, upload.content, upload.content_type)},
    )  # fmt: skip
    return ImportReport.model_validate(report)


@router.get("/import/template.xlsx")
async def import_template(user: CurrentUser, clients: ClientsDep) -> Response:
    template = await clients.contacts.call("GET", "/contacts/import/template.xlsx", user)
    return passthrough_download(template, cache_control="no-store")


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={
        413: {"description": "the file is larger than its type allows"},
        415: {"description": "not a .csv, .xlsx or .vcf file"},
        422: {"model": ImportRefused, "description": "every problem found; nothing was saved"},
    },
)
async def import_contacts(request: Request, user: CurrentUser, clients: ClientsDep) -> ImportReport:
    return await import_upload(clients, user, await read_upload(request))


@router.get("/export/summary.csv")
async def export_summary(user: CurrentUser, clients: ClientsDep) -> Response:
    return await _export(clients, user, "summary.csv")


@router.get("/export/pending-tasks.csv")
async def export_pending_tasks(user: CurrentUser, clients: ClientsDep) -> Response:
    return await _export(clients, user, "pending-tasks.csv")


@router.get(
    "/export/client-data.xlsx",
    responses={
        403: {
            "description": "the user does not have two-factor authentication on, or this "
            "session was opened without a code"
        }
    },
)
async def export_client_data(request: Request, user: CurrentUser, clients: ClientsDep) -> Response:
    if not user.totp_enabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, TWO_FACTOR_NEEDED)
    if not signed_in(request).second_factor:
        raise HTTPException(status.HTTP_403_FORBIDDEN, TWO_FACTOR_LOGIN_NEEDED)
    return await _export(
        clients, user, "client-data.xlsx",
        params={"exported_by": user.display_name},
        headers={TWO_FACTOR_HEADER: TWO_FACTOR_VERIFIED},
    )  # fmt: skip


async def _export(clients: ServiceClients, user: User, name: str, **kwargs: Any) -> Response:
    response = await clients.contacts.call(
        "GET", f"/contacts/export/{name}", user, timeout=EXPORT_TIMEOUT_SECONDS, **kwargs
    )
    return passthrough_download(response, cache_control="no-store")
