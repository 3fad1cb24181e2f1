"""/api/v1/margin: a client account's margin requirements and the positions that drive them, and
the accounts in margin deficit (A11). Account Information right; the caller's client scope (an
account out of reach, or of another master, is a 404 like one with no margin reported)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from contracts.access import Right
from contracts.api.margin import (
    ACCOUNT_NUMBER_PATTERN,
    MarginAccountView,
    MarginDeficitList,
    MarginDeficitQuery,
)
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import margin
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/margin",
    tags=["margin"],
    responses=SERVICE_CALL,
    dependencies=[needs(Right.ACCOUNT_INFORMATION)],
)
AccountNumber = Annotated[str, Path(pattern=ACCOUNT_NUMBER_PATTERN, max_length=12)]


@router.get("/accounts/{account_number}", responses=NOT_FOUND)
async def account_margin(
    account_number: AccountNumber, user: CurrentUser, clients: ClientsDep
) -> MarginAccountView:
    """The account's newest margin snapshot: equity with loan value, initial and maintenance
    requirement, excess liquidity (and the deficit when below zero), and its positions, the
    largest maintenance contribution first."""
    return await margin.account_margin(clients, user, account_number)


@router.get("/deficits")
async def margin_deficits(
    params: Annotated[MarginDeficitQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> MarginDeficitList:
    """The accounts in margin deficit (excess liquidity below zero), the largest first."""
    return await margin.margin_deficits(clients, user, params)
