"""The analytics service's margin requirements (A11): one client account's, and the accounts in
margin deficit."""

from __future__ import annotations

from urllib.parse import quote

from contracts.api.margin import MarginAccountView, MarginDeficitList, MarginDeficitQuery
from gateway.clients.http import ServiceClients
from gateway.store.users import User


async def account_margin(
    clients: ServiceClients, user: User, account_number: str
) -> MarginAccountView:
    path = f"/margin/accounts/{quote(account_number, safe='')}"
    return MarginAccountView.model_validate(await clients.analytics.json("GET", path, user))


async def margin_deficits(
    clients: ServiceClients, user: User, query: MarginDeficitQuery
) -> MarginDeficitList:
    found = await clients.analytics.json(
        "GET", "/margin/deficits", user, params=query.model_dump(mode="json")
    )
    return MarginDeficitList.model_validate(found)
