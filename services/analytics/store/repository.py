"""Keeping the contact read model and answering the statistics query."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.api.analytics import ContactStatistics
from contracts.contacts import ContactSnapshot
from services.analytics.domain.statistics import summarize
from services.analytics.store.tables import contact_states


async def upsert_contact_state(
    session: AsyncSession,
    master_account_id: str,
    contact: ContactSnapshot,
    *,
    removed: bool = False,
) -> None:
    """Keep the newest version only: an older event arriving late changes nothing."""
    values = {
        "contact_id": contact.contact_id,
        "master_account_id": master_account_id,
        "version": contact.version,
        "kind": contact.kind.value,
        "status": contact.status.value if contact.status else None,
        "closed": contact.closed,
        "removed": removed,
    }
    statement = insert(contact_states).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[contact_states.c.contact_id],
            set_={key: statement.excluded[key] for key in values if key != "contact_id"},
            where=(contact_states.c.version < statement.excluded.version)
            | (statement.excluded.removed & ~contact_states.c.removed),
        )
    )


async def contact_statistics(session: AsyncSession, master_account_id: str) -> ContactStatistics:
    rows = await session.execute(
        select(
            contact_states.c.kind, contact_states.c.status, contact_states.c.closed, func.count()
        )
        .where(
            contact_states.c.master_account_id == master_account_id,
            contact_states.c.removed.is_(False),
        )
        .group_by(contact_states.c.kind, contact_states.c.status, contact_states.c.closed)
    )
    return summarize((row[0], row[1], row[2], row[3]) for row in rows)
