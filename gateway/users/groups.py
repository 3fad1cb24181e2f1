"""The groups a user's client scope may name: the master's groups as its primary user sees
them (from the contacts service)."""

from __future__ import annotations

from uuid import UUID

from contracts.access import ClientScope
from contracts.api.groups import GroupOut
from gateway.clients import groups
from gateway.clients.http import ServiceClients
from gateway.store.users import User


async def scope_groups(clients: ServiceClients, primary: User) -> list[GroupOut]:
    return (await groups.list_groups(clients, primary)).items


async def known_group_ids(
    clients: ServiceClients, primary: User, scope: ClientScope
) -> set[UUID] | None:
    """The ids a scope's groups are checked against; None (no call) when it names none."""
    if not scope.group_ids:
        return None
    return {group.id for group in await scope_groups(clients, primary)}
