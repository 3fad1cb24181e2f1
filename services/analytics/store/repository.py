"""The contact read model: kept with one statement per batch, and the statistics query (within
the caller's client scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import ColumnElement, String, any_, bindparam, func, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.contacts import ContactKind
from services.analytics.domain.statistics import ContactState
from services.analytics.store.tables import contact_states, group_members


def within(scope: ClientScope) -> ColumnElement[bool]:
    """``domain.statistics.within_scope`` in SQL: every prospect, and the clients whose account
    or a group of which (now) the scope names. All clients: no predicate at all. Arrays, not
    lists of parameters: one prepared statement serves every scope."""
    if scope.all_clients:
        return true()
    visible: list[ColumnElement[bool]] = [contact_states.c.kind == ContactKind.PROSPECT.value]
    if scope.account_numbers:
        accounts = bindparam("scope_accounts", sorted(scope.account_numbers), type_=ARRAY(String()))
        visible.append(contact_states.c.account_number == any_(accounts))
    if scope.group_ids:
        groups = bindparam(
            "scope_groups", sorted(scope.group_ids), type_=ARRAY(PgUUID(as_uuid=True))
        )
        members = select(group_members.c.contact_id).where(group_members.c.group_id == any_(groups))
        visible.append(contact_states.c.contact_id.in_(members))
    return or_(*visible)


class ContactStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, states: Sequence[ContactState]) -> None:
        """Keep each contact's newest state; ``states`` holds at most one per contact."""
        if not states:
            return
        statement = insert(contact_states).values([asdict(state) for state in states])
        columns = [name for name in asdict(states[0]) if name != "contact_id"]
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[contact_states.c.contact_id],
                set_={name: statement.excluded[name] for name in columns},
                where=(contact_states.c.version < statement.excluded.version)
                | (statement.excluded.removed & ~contact_states.c.removed),
            )
        )

    async def count_by_kind_and_status(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[tuple[str, str | None, bool, int]]:
        """(kind, status, closed, count) of the master's contacts still shown, within ``scope``."""
        rows = await self._session.execute(
            select(
                contact_states.c.kind,
                contact_states.c.status,
                contact_states.c.closed,
                func.count(),
            )
            .where(
                contact_states.c.master_account_id == master_account_id,
                contact_states.c.removed.is_(False),
                within(scope),
            )
            .group_by(contact_states.c.kind, contact_states.c.status, contact_states.c.closed)
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]
