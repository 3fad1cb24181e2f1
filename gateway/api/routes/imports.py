"""/api/v1: contact imports (template, CSV, Excel, vCard) and exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.interop import CountryCode
from contracts.api.transfers import ImportRefused, ImportReport
from gateway.api.responses import (
    CSV,
    LENGTH_REQUIRED,
    SERVICE_CALL,
    UPLOAD,
    XLSX,
    file_download,
)
from gateway.auth.deps import CurrentUser, signed_in
from gateway.auth.login import client_ip
from gateway.auth.rights import needs
from gateway.clients import transfers
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.store.audit import record_export
from gateway.uploads import read_import_upload, upload_body

router = APIRouter(prefix="/contacts", tags=["contacts"], responses=SERVICE_CALL)

TWO_FACTOR_NEEDED = (
    "the full client data export needs two-factor authentication: turn it on under Settings"
)
TWO_FACTOR_LOGIN_NEEDED = (
    "the full client data export needs a session that used a two-factor code: log in again"
)
UPLOAD_BODY = upload_body(".csv or .xlsx (at most 2 MB, 100 rows) or .vcf (at most 1 MB)")


@router.get(
    "/import/template.xlsx",
    response_class=Response,
    responses=file_download(
        XLSX, "the import template: a Data sheet to fill in, with Codes, Examples and Instructions"
    ),
    dependencies=[needs(Right.CRM)],
)
async def import_template(user: CurrentUser, clients: ClientsDep) -> Response:
    template = await transfers.import_template(clients, user)
    return passthrough_download(template, cache_control="no-store")


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={
        **UPLOAD,
        **LENGTH_REQUIRED,
        422: {
            "model": ImportRefused,
            "description": "the problems found, each at its row and column (at most 100, then "
            "one that counts the rest); nothing was saved",
        },
    },
    dependencies=[needs(Right.CRM)],
)
async def import_contacts(
    request: Request,
    user: CurrentUser,
    clients: ClientsDep,
    default_country: Annotated[
        CountryCode | None,
        Query(description="ISO country of national phone numbers in vCards without a country"),
    ] = None,
) -> ImportReport:
    upload = await read_import_upload(request)
    return await transfers.import_contacts(clients, user, upload, default_country=default_country)


@router.get(
    "/export/summary.csv",
    response_class=Response,
    responses=file_download(CSV, "the contact summary: one line per contact (UTF-8)"),
    dependencies=[needs(Right.CRM)],
)
async def export_summary(
    request: Request, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    exported = await transfers.export_summary(clients, user)
    await record_export(database, user, kind="contacts.summary.csv", client_ip=client_ip(request))
    return passthrough_download(exported, cache_control="no-store")


@router.get(
    "/export/pending-tasks.csv",
    response_class=Response,
    responses=file_download(
        CSV, "the pending application tasks: one line per open account with tasks (UTF-8)"
    ),
    dependencies=[needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)],
)
async def export_pending_tasks(
    request: Request, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    exported = await transfers.export_pending_tasks(clients, user)
    kind = "contacts.pending-tasks.csv"
    await record_export(database, user, kind=kind, client_ip=client_ip(request))
    return passthrough_download(exported, cache_control="no-store")


@router.get(
    "/export/client-data.xlsx",
    response_class=Response,
    responses={
        **file_download(
            XLSX, "the full client data; its Data sheet can be imported again unchanged"
        ),
        403: {
            "description": "the user does not have two-factor authentication on, or this "
            "session was opened without a code"
        },
    },
    dependencies=[needs(Right.CRM)],
)
async def export_client_data(
    request: Request, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    if not user.totp_enabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, TWO_FACTOR_NEEDED)
    if not signed_in(request).second_factor:
        raise HTTPException(status.HTTP_403_FORBIDDEN, TWO_FACTOR_LOGIN_NEEDED)
    exported = await transfers.export_client_data(clients, user, exported_by=user.display_name)
    kind = "contacts.client-data.xlsx"
    await record_export(database, user, kind=kind, client_ip=client_ip(request))
    return passthrough_download(exported, cache_control="no-store")
