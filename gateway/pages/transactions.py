"""Page: transaction history (A2) — ninety days of deposits, withdrawals, position transfers and
internal transfers, filtered by date range, text, type, method and status; paged; CSV export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.analytics_history import TransactionQuery, TransactionType
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render

router = APIRouter(
    include_in_schema=False,
    dependencies=[needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)],
)

TYPE_LABELS = {
    TransactionType.DEPOSIT: "Deposit",
    TransactionType.WITHDRAWAL: "Withdrawal",
    TransactionType.POSITION_TRANSFER_IN: "Position transfer in",
    TransactionType.POSITION_TRANSFER_OUT: "Position transfer out",
    TransactionType.INTERNAL_TRANSFER: "Internal transfer",
}


def _query(request: Request) -> tuple[TransactionQuery, dict[str, Any], str | None]:
    params = request.query_params
    values: dict[str, Any] = {k: v for k, v in params.items() if v and k != "type"}
    values["type"] = [t for t in params.getlist("type") if t]
    try:
        return TransactionQuery.model_validate(values), values, None
    except ValidationError as error:
        problem = "; ".join(str(e["msg"]) for e in error.errors()[:3])
        return TransactionQuery(), values, problem


@router.get("/transactions")
async def transactions(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    query, values, problem = _query(request)
    page = await analytics.transactions(clients, user, query)
    filters = {k: v for k, v in query.model_dump(mode="json", exclude_none=True).items()
               if k not in ("page", "page_size") and v not in ([], "")}  # fmt: skip
    link = urlencode(filters, doseq=True)
    return render(request, "transactions.html", user=user, active="transactions", page=page,
                  query=query, values=values, problem=problem, types=TYPE_LABELS, link=link,
                  pages=max(1, -(-page.total // query.page_size)))  # fmt: skip


@router.get("/transactions/export.csv")
async def export(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    query, _, problem = _query(request)
    if problem:
        raise HTTPException(422, problem)
    found = await analytics.transactions_csv(clients, user, query)
    return Response(found.content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="transactions.csv"'})  # fmt: skip
