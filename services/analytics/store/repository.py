"""The contact read model: kept with one statement per batch, and the statistics query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.analytics.domain.statistics import ContactState
from services.analytics.store.tables import contact_states


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
        self, *, master_account_id: str
    ) -> list[tuple[str, str | None, bool, int]]:
        """(kind, status, closed, count) of the master's contacts still shown."""
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
            )
            .group_by(contact_states.c.kind, contact_states.c.status, contact_states.c.closed)
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]
