"""Routes of margin requirements (A11): one client account's, and the accounts in deficit. Both
need the Account Information right (a client's account information) and stay within the
caller's client scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from contracts.access import Right
from contracts.api.margin import (
    ACCOUNT_NUMBER_PATTERN,
    MarginAccountView,
    MarginDeficitList,
    MarginDeficitQuery,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import margin
from services.runtime.caller import CallerDep, requires

router = APIRouter(
    prefix="/margin", tags=["margin"], dependencies=[Depends(requires(Right.ACCOUNT_INFORMATION))]
)
AccountNumber = Annotated[str, Path(pattern=ACCOUNT_NUMBER_PATTERN, max_length=12)]


@router.get("/accounts/{account_number}")
async def account_margin(
    account_number: AccountNumber, caller: CallerDep, database: DatabaseDep
) -> MarginAccountView:
    async with database.unit_of_work() as uow:
        return await margin.account_margin(
            uow, caller.master_account_id, caller.access, account_number
        )


@router.get("/deficits")
async def margin_deficits(
    params: Annotated[MarginDeficitQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> MarginDeficitList:
    async with database.unit_of_work() as uow:
        return await margin.margin_deficits(uow, caller.master_account_id, caller.access, params)
