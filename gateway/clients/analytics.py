"""The analytics service: the dashboard's read models."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from pydantic import BaseModel

from contracts.api.analytics import ContactStatistics
from contracts.api.analytics_dashboard import (
    ActivityPage,
    ActivityQuery,
    AumSeries,
    CorporateActionList,
    ElectionSubmit,
    ElectionView,
    MasterBalance,
    MessageList,
    PendingItemsQuery,
)
from contracts.api.analytics_history import (
    TimelinePage,
    TimelineQuery,
    TransactionPage,
    TransactionQuery,
)
from contracts.api.analytics_queries import (
    PerformanceQuery,
    PerformanceResult,
    RmdQuery,
    RmdResult,
    SymbolQuery,
    SymbolResult,
    TransactionCountQuery,
    TransactionCountResult,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User


async def contact_statistics(clients: ServiceClients, user: User) -> ContactStatistics:
    """The statistics row: totals by type and by application status."""
    return ContactStatistics.model_validate(
        await clients.analytics.json("GET", "/statistics/contacts", user)
    )


# ---- A1 dashboard panels, A2 transaction history, A3 client data queries, X6 timeline


def _params(query: BaseModel) -> dict[str, Any]:
    return query.model_dump(mode="json", exclude_none=True)


async def pending_items(
    clients: ServiceClients, user: User, query: PendingItemsQuery
) -> ActivityPage:
    found = await clients.analytics.json(
        "GET", "/dashboard/pending-items", user, params=_params(query)
    )
    return ActivityPage.model_validate(found)


async def recent_activity(
    clients: ServiceClients, user: User, query: ActivityQuery
) -> ActivityPage:
    found = await clients.analytics.json(
        "GET", "/dashboard/recent-activity", user, params=_params(query)
    )
    return ActivityPage.model_validate(found)


async def aum(clients: ServiceClients, user: User) -> AumSeries:
    return AumSeries.model_validate(await clients.analytics.json("GET", "/dashboard/aum", user))


async def master_balance(clients: ServiceClients, user: User) -> MasterBalance:
    found = await clients.analytics.json("GET", "/dashboard/master-balance", user)
    return MasterBalance.model_validate(found)


async def corporate_actions(clients: ServiceClients, user: User) -> CorporateActionList:
    found = await clients.analytics.json("GET", "/dashboard/corporate-actions", user)
    return CorporateActionList.model_validate(found)


async def elect(
    clients: ServiceClients, user: User, action_id: str, election: ElectionSubmit
) -> ElectionView:
    path = f"/dashboard/corporate-actions/{quote(action_id, safe='')}/elections"
    found = await clients.analytics.json("POST", path, user, json=election.model_dump(mode="json"))
    return ElectionView.model_validate(found)


async def recent_messages(clients: ServiceClients, user: User) -> MessageList:
    return MessageList.model_validate(
        await clients.analytics.json("GET", "/dashboard/messages", user)
    )


async def transactions(
    clients: ServiceClients, user: User, query: TransactionQuery
) -> TransactionPage:
    found = await clients.analytics.json("GET", "/transactions", user, params=_params(query))
    return TransactionPage.model_validate(found)


async def transactions_csv(
    clients: ServiceClients, user: User, query: TransactionQuery
) -> Download:
    return await clients.analytics.download("/transactions.csv", user, params=_params(query))


async def contact_timeline(
    clients: ServiceClients, user: User, contact_id: UUID, query: TimelineQuery
) -> TimelinePage:
    found = await clients.analytics.json(
        "GET", f"/contacts/{contact_id}/timeline", user, params=_params(query)
    )
    return TimelinePage.model_validate(found)


async def performance_query(
    clients: ServiceClients, user: User, query: PerformanceQuery
) -> PerformanceResult:
    # up to 20,000 rows: parsed and validated from the bytes in one pass (pydantic's JSON parser)
    found = await clients.analytics.call("GET", "/queries/performance", user, params=_params(query))
    return PerformanceResult.model_validate_json(found.content)


async def symbol_query(clients: ServiceClients, user: User, query: SymbolQuery) -> SymbolResult:
    found = await clients.analytics.json("GET", "/queries/symbol", user, params=_params(query))
    return SymbolResult.model_validate(found)


async def transaction_count_query(
    clients: ServiceClients, user: User, query: TransactionCountQuery
) -> TransactionCountResult:
    found = await clients.analytics.json(
        "GET", "/queries/transaction-count", user, params=_params(query)
    )
    return TransactionCountResult.model_validate(found)


async def rmd_query(clients: ServiceClients, user: User, query: RmdQuery) -> RmdResult:
    found = await clients.analytics.json("GET", "/queries/rmd", user, params=_params(query))
    return RmdResult.model_validate(found)
