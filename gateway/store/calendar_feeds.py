"""Calendar feeds (issue 15): one private subscription URL per user, known only by the SHA-256
of its secret token; turning it on again (rotating) replaces the token, turning it off deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, delete, select, update
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.tables import metadata

TOKEN_BYTES = 32

calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column(
        "user_id",
        PgUUID(as_uuid=True),
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class CalendarFeed:
    user_id: UUID
    created_at: datetime
    last_used_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """A secret for a URL: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


async def of_user(session: AsyncSession, user_id: UUID) -> CalendarFeed | None:
    row = (
        await session.execute(select(calendar_feeds).where(calendar_feeds.c.user_id == user_id))
    ).first()
    return CalendarFeed(row.user_id, row.created_at, row.last_used_at) if row else None


async def turn_on(session: AsyncSession, user_id: UUID, *, now: datetime) -> str:
    """A new secret for the user's feed (any earlier one stops working); returns it in clear,
    the only time it is seen."""
    token = new_token()
    values = {"token_sha256": token_hash(token), "created_at": now, "last_used_at": None}
    await session.execute(
        insert(calendar_feeds)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[calendar_feeds.c.user_id], set_=values)
    )
    return token


async def turn_off(session: AsyncSession, user_id: UUID) -> None:
    await session.execute(delete(calendar_feeds).where(calendar_feeds.c.user_id == user_id))


async def user_of_token(session: AsyncSession, token: str, *, now: datetime) -> UUID | None:
    """The user whose feed has this secret (noting its use), or None."""
    return await session.scalar(
        update(calendar_feeds)
        .where(calendar_feeds.c.token_sha256 == token_hash(token))
        .values(last_used_at=now)
        .returning(calendar_feeds.c.user_id)
    )
