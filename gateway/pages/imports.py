"""Pages: adding contacts from a spreadsheet (CSV, Excel) or vCards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.transfers import ContactsUpload, ImportProblem, ImportReport
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.clients import transfers
from gateway.deps import ClientsDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render
from gateway.store.users import User
from gateway.uploads import read_import_upload

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


@router.get("/contacts/import")
async def import_page(request: Request, user: PageUser) -> Response:
    return _import_view(request, user)


@router.post("/contacts/import")
async def import_submit(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    upload: ContactsUpload | None = None
    try:
        upload = await read_import_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        report = await transfers.import_contacts(clients, user, upload)
    except HTTPException as refused:
        if refused.status_code == 403:
            raise
        problems, message = _explained(refused.detail)
        return _import_view(
            request, user, problems=problems, message=message, status_code=refused.status_code,
            filename=upload.filename if upload else None,
        )  # fmt: skip
    return _import_view(request, user, report=report, filename=upload.filename)


def _explained(detail: Any) -> tuple[list[ImportProblem], str | None]:
    """The service's list of problems, or the one message of a refusal of the whole file."""
    if isinstance(detail, list) and all(
        isinstance(item, dict) and "row" in item for item in detail
    ):
        return [ImportProblem.model_validate(item) for item in detail], None
    if isinstance(detail, list):  # a request validation error: no file chosen
        return [], "; ".join(str(item.get("msg", item)) for item in detail).capitalize() + "."
    return [], str(detail)[:1].upper() + str(detail)[1:] + "."


def _import_view(
    request: Request,
    user: User,
    *,
    report: ImportReport | None = None,
    problems: list[ImportProblem] | None = None,
    message: str | None = None,
    filename: str | None = None,
    status_code: int = 200,
) -> Response:
    problems = problems or []
    return render(
        request, "import.html", user=user, active="contacts", status_code=status_code,
        report=report, message=message, filename=filename,
        file_problems=[p for p in problems if p.row == 0],
        cell_problems=[p for p in problems if p.row > 0],
    )  # fmt: skip
