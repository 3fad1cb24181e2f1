"""/api/v1/tools/rmd: the RMD calculator (A8) for given inputs or the eligible client accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from contracts.access import Right
from contracts.api.tools import RmdInputs, RmdList, RmdOut
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/tools/rmd", tags=["tools"], responses=SERVICE_CALL, dependencies=[needs(Right.TOOLS)]
)
Year = Annotated[int, Query(ge=2022, le=2100)]


@router.post("/calculate")
async def calculate(body: RmdInputs, user: CurrentUser, clients: ClientsDep) -> RmdOut:
    return await tools.calculate_rmd(clients, user, body)


@router.get("")
async def for_accounts(year: Year, user: CurrentUser, clients: ClientsDep) -> RmdList:
    return await tools.rmd_for_accounts(clients, user, year)


@router.get("/{account_number}", responses=NOT_FOUND)
async def for_account(account_number: Annotated[str, Path(pattern=r"^[A-Za-z]{1,2}\d{5,9}$")], year: Year,
                      user: CurrentUser, clients: ClientsDep) -> RmdOut:  # fmt: skip
    return await tools.rmd_for_account(clients, user, account_number.upper(), year)
