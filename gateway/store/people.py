"""Who works for a master account and where it is: the users to assign work to, its time zone."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import masters, users


@dataclass(frozen=True)
class Colleague:
    id: str
    display_name: str


async def colleagues(session: AsyncSession, master_account_id: str) -> list[Colleague]:
    rows = await session.execute(
        select(users.c.id, users.c.display_name)
        .where(users.c.master_account_id == master_account_id)
        .order_by(users.c.display_name)
    )
    return [Colleague(id=str(row.id), display_name=row.display_name) for row in rows]


async def is_colleague(session: AsyncSession, master_account_id: str, user_id: str) -> bool:
    try:
        parsed = UUID(user_id)
    except ValueError:
        return False
    found = await session.scalar(
        select(users.c.id).where(
            users.c.id == parsed, users.c.master_account_id == master_account_id
        )
    )
    return found is not None


async def master_time_zone(session: AsyncSession, master_account_id: str) -> ZoneInfo:
    """The master's zone; UTC when none is set or the name is unknown here."""
    name = await session.scalar(
        select(masters.c.time_zone).where(masters.c.id == master_account_id)
    )
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
