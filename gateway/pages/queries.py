"""Page: client data queries (A3) — performance (time-weighted return thresholds), symbol,
transaction count and required minimum distributions due."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from contracts.access import Right
from contracts.api.analytics_queries import (
    PerformanceQuery,
    RmdQuery,
    SymbolQuery,
    TransactionCountQuery,
)
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.TOOLS)])

REPORTS: dict[str, type[BaseModel]] = {
    "performance": PerformanceQuery,
    "symbol": SymbolQuery,
    "transaction-count": TransactionCountQuery,
    "rmd": RmdQuery,
}


@router.get("/tools/client-queries")
async def client_queries(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    params = request.query_params
    report = params.get("report") or "performance"
    if report not in REPORTS:
        report = "performance"
    values: dict[str, Any] = {k: v for k, v in params.items() if v and k != "report"}
    result, problem = None, None
    if values:
        try:
            query: Any = REPORTS[report].model_validate(values)
        except ValidationError as error:
            problem = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'query'}: {e['msg']}"
                for e in error.errors()[:4]
            )
        else:
            try:
                call: Any = {
                    "performance": analytics.performance_query,
                    "symbol": analytics.symbol_query,
                    "transaction-count": analytics.transaction_count_query,
                    "rmd": analytics.rmd_query,
                }[report]
                result = await call(clients, user, query)
            except HTTPException as error:
                if error.status_code >= 500:
                    raise
                problem = str(error.detail)
    return render(request, "client_queries.html", user=user, active="tools", report=report,
                  values=values, result=result, problem=problem)  # fmt: skip
