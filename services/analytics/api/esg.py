"""Routes: ESG impact preferences (A7) and the RMD calculator (A8). The invited client's form
(``/esg-links/{token}``) is asked by the gateway's public page as the token's master."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from contracts.access import Right
from contracts.api.tools import (  # fmt: skip
    EsgAnswer,
    EsgForm,
    EsgInvitationList,
    EsgInvite,
    EsgResults,
    RmdInputs,
    RmdList,
    RmdOut,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import esg, rmd
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(prefix="/tools", tags=["tools"], dependencies=[Depends(requires(Right.TOOLS))])
links = APIRouter(prefix="/esg-links", tags=["tools"])
Token = Path(max_length=200)


@router.post("/esg/invitations", status_code=201)
async def invite(
    command: EsgInvite, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> EsgInvitationList:
    async with database.transaction() as uow:
        return await esg.invite(
            uow, caller.master_account_id, command, scope=caller.access.scope, now=clock.now()
        )


@router.get("/esg/results")
async def results(caller: CallerDep, database: DatabaseDep) -> EsgResults:
    async with database.unit_of_work() as uow:
        return await esg.results(uow, caller.master_account_id, scope=caller.access.scope)


@links.get("/{token}")
async def esg_form(caller: CallerDep, database: DatabaseDep, token: str = Token) -> EsgForm:
    async with database.unit_of_work() as uow:
        return await esg.form(uow, caller.master_account_id, token)


@links.put("/{token}")
async def esg_answer(
    command: EsgAnswer,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    token: str = Token,
) -> EsgForm:
    async with database.transaction() as uow:
        return await esg.answer(uow, caller.master_account_id, token, command, now=clock.now())


@router.post("/rmd/calculate")
async def calculate(command: RmdInputs) -> RmdOut:
    return rmd.calculate(command)


@router.get("/rmd")
async def for_accounts(
    caller: CallerDep, database: DatabaseDep, year: int = Query(ge=2022, le=2100)
) -> RmdList:
    async with database.unit_of_work() as uow:
        return await rmd.for_accounts(
            uow, caller.master_account_id, year, scope=caller.access.scope
        )


@router.get("/rmd/{account_number}")
async def for_account(
    account_number: str,
    caller: CallerDep,
    database: DatabaseDep,
    year: int = Query(ge=2022, le=2100),
) -> RmdOut:
    async with database.unit_of_work() as uow:
        return await rmd.for_account(
            uow,
            caller.master_account_id,
            account_number.upper()[:32],
            year,
            scope=caller.access.scope,
        )
