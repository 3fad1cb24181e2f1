"""The masters analytics knows of (``gateway.master_changed``): their time zones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.analytics.domain.master_days import MasterZone
from services.analytics.store.tables import master_zones


class MasterZoneRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, zones: Sequence[MasterZone]) -> None:
        """Each master's zone, unless the one kept changed later (one row per master)."""
        if not zones:
            return
        statement = insert(master_zones).values([asdict(zone) for zone in zones])
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[master_zones.c.master_account_id],
                set_={
                    "time_zone": statement.excluded.time_zone,
                    "changed_at": statement.excluded.changed_at,
                },
                where=master_zones.c.changed_at <= statement.excluded.changed_at,
            )
        )

    async def zone_of(self, master_account_id: str) -> str | None:
        return await self._session.scalar(
            select(master_zones.c.time_zone).where(
                master_zones.c.master_account_id == master_account_id
            )
        )
