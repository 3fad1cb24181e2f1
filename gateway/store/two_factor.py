"""A user's two-factor settings: the TOTP secret, whether it is on, the last accepted step.

Each change is one conditional UPDATE, so two requests racing cannot both use the same code
or both switch the setting.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import users


async def last_used_step(session: AsyncSession, user_id: UUID) -> int | None:
    step: int | None = await session.scalar(
        select(users.c.totp_last_step).where(users.c.id == user_id)
    )
    return step


async def claim_step(session: AsyncSession, user_id: UUID, step: int) -> bool:
    """Record ``step`` as used; False when it (or a later one) was used already."""
    claimed = await session.execute(
        users.update()
        .where(
            users.c.id == user_id,
            or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .returning(users.c.id)
    )
    return claimed.first() is not None


async def start_setup(session: AsyncSession, user_id: UUID, secret: str) -> bool:
    """Keep a new secret waiting for confirmation; False when two-factor is already on."""
    started = await session.execute(
        users.update()
        .where(users.c.id == user_id, users.c.totp_enabled.is_(False))
        .values(totp_secret=secret)
        .returning(users.c.id)
    )
    return started.first() is not None


async def switch_on(session: AsyncSession, user_id: UUID, secret: str) -> bool:
    """Turn two-factor on with the secret just confirmed; False if it changed meanwhile."""
    switched = await session.execute(
        users.update()
        .where(
            users.c.id == user_id,
            users.c.totp_enabled.is_(False),
            users.c.totp_secret == secret,
        )
        .values(totp_enabled=True)
        .returning(users.c.id)
    )
    return switched.first() is not None


async def switch_off(session: AsyncSession, user_id: UUID) -> bool:
    """Turn two-factor off and forget the secret; False if it was not on."""
    switched = await session.execute(
        users.update()
        .where(users.c.id == user_id, users.c.totp_enabled.is_(True))
        .values(totp_enabled=False, totp_secret=None)
        .returning(users.c.id)
    )
    return switched.first() is not None
