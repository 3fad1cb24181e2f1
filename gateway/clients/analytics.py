"""The analytics service: the dashboard's read models."""

from __future__ import annotations

from contracts.api.analytics import ContactStatistics
from gateway.clients.http import ServiceClients
from gateway.store.users import User


async def contact_statistics(clients: ServiceClients, user: User) -> ContactStatistics:
    """The statistics row: totals by type and by application status."""
    return ContactStatistics.model_validate(
        await clients.analytics.json("GET", "/statistics/contacts", user)
    )
