"""The client scope over account-keyed read models: the accounts a user sees are those the scope
names and those of the contacts in the groups it names (now)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, String, any_, bindparam, false, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.store.tables import contact_states, group_members


def accounts_within(column: ColumnElement[str], scope: ClientScope) -> ColumnElement[bool]:
    """``column`` names an account the scope reaches; all clients: no predicate at all."""
    if scope.all_clients:
        return true()
    visible: list[ColumnElement[bool]] = []
    if scope.account_numbers:
        accounts = bindparam(
            "scope_accounts", sorted(scope.account_numbers), type_=ARRAY(String()), unique=True
        )
        visible.append(column == any_(accounts))
    if scope.group_ids:
        groups = bindparam(
            "scope_groups", sorted(scope.group_ids), type_=ARRAY(PgUUID(as_uuid=True)), unique=True
        )
        members = (
            select(contact_states.c.account_number)
            .join(group_members, group_members.c.contact_id == contact_states.c.contact_id)
            .where(
                group_members.c.group_id == any_(groups),
                contact_states.c.account_number.is_not(None),
            )
        )
        visible.append(column.in_(members))
    return or_(*visible) if visible else false()


async def visible_accounts(
    session: AsyncSession, accounts: Sequence[str], scope: ClientScope
) -> set[str]:
    """Which of ``accounts`` the scope reaches (the same rule as ``accounts_within``)."""
    if scope.all_clients:
        return set(accounts)
    visible = {account for account in accounts if account in scope.account_numbers}
    rest = sorted(set(accounts) - visible)
    if rest and scope.group_ids:
        found = await session.scalars(
            select(contact_states.c.account_number)
            .join(group_members, group_members.c.contact_id == contact_states.c.contact_id)
            .where(
                group_members.c.group_id.in_(sorted(scope.group_ids)),
                contact_states.c.account_number.in_(rest),
            )
        )
        visible.update(a for a in found if a)
    return visible
