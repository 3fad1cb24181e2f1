"""/api/v1/transactions: ninety days of deposits, withdrawals and transfers (A2), and CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.analytics_history import TransactionPage, TransactionQuery
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/transactions",
    tags=["transactions"],
    responses=SERVICE_CALL,
    dependencies=[needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)],
)


@router.get("")
async def list_transactions(
    params: Annotated[TransactionQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> TransactionPage:
    return await analytics.transactions(clients, user, params)


@router.get("/export.csv", response_class=Response)
async def export_transactions(
    params: Annotated[TransactionQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> Response:
    """Every transaction the filters find, as CSV."""
    found = await analytics.transactions_csv(clients, user, params)
    return Response(
        found.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )
