"""Routes: importing contacts (template, CSV, Excel, vCard) and exports (C4, C5)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse

from contracts.access import Right
from contracts.api.interop import CountryCode
from contracts.api.transfers import (
    CSV_MEDIA_TYPE,
    TWO_FACTOR_VERIFIED,
    XLSX_MEDIA_TYPE,
    ImportProblem,
    ImportRefused,
    ImportReport,
    read_contacts_upload,
)
from services.contacts.api.deps import DatabaseDep
from services.contacts.files.imports import parse_contacts_file
from services.contacts.files.template import build_import_template
from services.contacts.service_layer import transfers
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller, CallerDep, requires
from services.runtime.clock import Clock
from services.runtime.service import ClockDep

router = APIRouter(prefix="/contacts", tags=["transfers"])

CRM = [Depends(requires(Right.CRM))]
PENDING_ITEMS = [Depends(requires(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER))]
"""The pending tasks export follows the pending items rule, like their list; the rest is CRM."""

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.get("/import/template.xlsx", dependencies=CRM)
async def import_template() -> Response:
    return Response(
        build_import_template(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="contacts-import-template.xlsx"'},
    )


@router.post(
    "/import",
    dependencies=CRM,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_BODY,
    responses={422: {"model": ImportRefused}},
)
async def import_contacts(
    request: Request,
    caller: CallerDep,
    database: DatabaseDep,
    default_country: Annotated[
        CountryCode | None,
        Query(description="ISO country of national phone numbers of cards without a country"),
    ] = None,
) -> ImportReport:
    upload = await read_contacts_upload(request, missing_file="a file is required")
    country = default_country.upper() if default_country else None
    result = parse_contacts_file(upload.filename, upload.content, default_country=country)
    if not result.ok:
        problems = [
            ImportProblem(row=error.row, column=error.column, message=error.message).model_dump()
            for error in result.errors
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
    async with database.transaction() as uow:
        added = await transfers.import_contacts(uow, caller, result.contacts)
    return ImportReport(added=len(added), contact_ids=[contact.id for contact in added])


@router.get("/export/summary.csv", dependencies=CRM)
async def export_summary(
    caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> StreamingResponse:
    parts = _streamed(database, transfers.contact_summary_parts, caller)
    filename = _filename("contacts", caller.master_account_id, "csv", clock)
    return _download(parts, CSV_MEDIA_TYPE, filename)


@router.get("/export/pending-tasks.csv", dependencies=PENDING_ITEMS)
async def export_pending_tasks(
    caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> StreamingResponse:
    parts = _streamed(database, transfers.pending_task_parts, caller)
    filename = _filename("pending-tasks", caller.master_account_id, "csv", clock)
    return _download(parts, CSV_MEDIA_TYPE, filename)


@router.get("/export/client-data.xlsx", dependencies=CRM)
async def export_client_data(
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    exported_by: Annotated[str, Query(min_length=1, max_length=200)],
    x_two_factor: Annotated[str | None, Header()] = None,
) -> Response:
    async with database.unit_of_work() as uow:
        workbook = await transfers.client_data_workbook(
            uow, caller, exported_by=exported_by,
            two_factor_verified=x_two_factor == TWO_FACTOR_VERIFIED,
        )  # fmt: skip
    filename = _filename("client-data", caller.master_account_id, "xlsx", clock)
    return Response(workbook, media_type=XLSX_MEDIA_TYPE, headers=_attachment(filename))


async def _streamed(
    database: DatabaseDep,
    parts: Callable[[ContactsUnitOfWork, Caller], AsyncIterator[bytes]],
    caller: Caller,
) -> AsyncIterator[bytes]:
    """A streamed export's parts, read in a unit of work of its own: the response is sent
    after the route has returned."""
    async with database.unit_of_work() as uow:
        async for part in parts(uow, caller):
            yield part


def _download(parts: AsyncIterator[bytes], media_type: str, filename: str) -> StreamingResponse:
    return StreamingResponse(parts, media_type=media_type, headers=_attachment(filename))


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


def _filename(kind: str, master_account_id: str, extension: str, clock: Clock) -> str:
    day = clock.now().date().isoformat()
    return f"{kind}-{master_account_id}-{day}.{extension}"
