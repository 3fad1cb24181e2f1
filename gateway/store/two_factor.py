"""A user's two-factor settings: the TOTP secret, whether it is on, the last accepted step,
and the recovery codes (hashed; each used once).

Each change is one conditional UPDATE, so two requests racing cannot both use the same code
or both switch the setting.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import recovery_codes, users


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
    await session.execute(recovery_codes.delete().where(recovery_codes.c.user_id == user_id))
    return switched.first() is not None


async def replace_recovery_codes(
    session: AsyncSession, user_id: UUID, code_hashes: list[str]
) -> None:
    """The user's recovery codes become these (the earlier ones, used or not, are gone)."""
    await session.execute(recovery_codes.delete().where(recovery_codes.c.user_id == user_id))
    if code_hashes:
        await session.execute(
            recovery_codes.insert(), [{"user_id": user_id, "code_hash": h} for h in code_hashes]
        )


async def unused_recovery_codes(session: AsyncSession, user_id: UUID) -> list[tuple[int, str]]:
    """(id, hash) of each recovery code of the user not used yet."""
    rows = await session.execute(
        select(recovery_codes.c.id, recovery_codes.c.code_hash)
        .where(recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
        .order_by(recovery_codes.c.id)
    )
    return [(row.id, row.code_hash) for row in rows]


async def use_recovery_code(session: AsyncSession, code_id: int, *, at: datetime) -> bool:
    """Mark the code used; False when it was used already (by a request racing this one)."""
    used = await session.execute(
        recovery_codes.update()
        .where(recovery_codes.c.id == code_id, recovery_codes.c.used_at.is_(None))
        .values(used_at=at)
        .returning(recovery_codes.c.id)
    )
    return used.first() is not None
