"""Pages: adding contacts from a spreadsheet (CSV, Excel) or vCards."""

from __future__ import annotations

from typing import Any

import pycountry
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.transfers import ContactsUpload, ImportProblem, ImportReport
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.clients import transfers
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render
from gateway.store.people import master_time_zone
from gateway.store.users import User
from gateway.uploads import read_import_upload
from gateway.zones import country_of_zone

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

COUNTRIES = sorted(
    ((country.alpha_2, country.name) for country in pycountry.countries), key=lambda c: c[1]
)
COUNTRY_CODES = frozenset(code for code, _ in COUNTRIES)


@router.get("/contacts/import")
async def import_page(request: Request, user: PageUser, database: DatabaseDep) -> Response:
    country = await master_country(database, user)
    return _import_view(request, user, default_country=country)


async def master_country(database: DatabaseDep, user: User) -> str:
    """The country of the master's time zone: national phone numbers are read there unless the
    user chooses another (issue 15)."""
    async with database.unit_of_work() as uow:
        zone = await master_time_zone(uow.session, user.master_account_id)
    return country_of_zone(str(zone))


@router.post("/contacts/import")
async def import_submit(
    request: Request, user: PageUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    upload: ContactsUpload | None = None
    country = await master_country(database, user)
    try:
        upload = await read_import_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        chosen = upload.fields.get("default_country", "").upper()
        country = chosen if chosen in COUNTRY_CODES else country
        report = await transfers.import_contacts(clients, user, upload, default_country=country)
    except HTTPException as refused:
        if refused.status_code == 403:
            raise
        problems, message = _explained(refused.detail)
        return _import_view(
            request, user, problems=problems, message=message, status_code=refused.status_code,
            filename=upload.filename if upload else None, default_country=country,
        )  # fmt: skip
    return _import_view(
        request, user, report=report, filename=upload.filename, default_country=country
    )


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
    default_country: str = "US",
    status_code: int = 200,
) -> Response:
    problems = problems or []
    return render(
        request, "import.html", user=user, active="contacts", status_code=status_code,
        report=report, message=message, filename=filename,
        countries=COUNTRIES, default_country=default_country,
        file_problems=[p for p in problems if p.row == 0],
        cell_problems=[p for p in problems if p.row > 0],
    )  # fmt: skip
