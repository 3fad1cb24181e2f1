"""Login sessions: opened at login, checked on every request, ended by a logout or from the
user's list of their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.store.tables import sessions, users
from gateway.store.users import User, to_user


@dataclass(frozen=True)
class SignedIn:
    """The session a request came with."""

    session_id: UUID
    second_factor: bool
    expires_at: datetime | None = None


@dataclass(frozen=True)
class OpenSession:
    """One of a user's sessions that is neither expired nor ended."""

    id: UUID
    created_at: datetime
    expires_at: datetime
    second_factor: bool


async def open_session(
    session: AsyncSession, *, user_id: UUID, expires_at: datetime, second_factor: bool
) -> UUID:
    """A new session; the user's expired ones are dropped on the way."""
    await session.execute(
        sessions.delete().where(sessions.c.user_id == user_id, sessions.c.expires_at < func.now())
    )
    session_id = uuid4()
    await session.execute(
        sessions.insert().values(
            id=session_id, user_id=user_id, expires_at=expires_at, second_factor=second_factor
        )
    )
    return session_id


async def user_of(
    connection: AsyncConnection, *, session_id: UUID, user_id: UUID
) -> tuple[User, SignedIn] | None:
    """The user of a session that is neither expired nor ended, with the session."""
    statement = (
        select(users, sessions.c.second_factor, sessions.c.expires_at.label("session_expires_at"))
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(
            sessions.c.id == session_id,
            users.c.id == user_id,
            users.c.active,
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > func.now(),
        )
    )
    row = (await connection.execute(statement)).first()
    if row is None:
        return None
    return to_user(row), SignedIn(session_id, row.second_factor, row.session_expires_at)


async def end(session: AsyncSession, session_id: UUID) -> None:
    await session.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def end_all(session: AsyncSession, user_id: UUID) -> int:
    """End every open session of the user; how many there were."""
    ended = await session.execute(
        sessions.update()
        .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(sessions.c.id)
    )
    return len(ended.all())


async def confirm_second_factor(session: AsyncSession, session_id: UUID) -> None:
    """The session's user has just given a valid two-factor code."""
    await session.execute(
        sessions.update().where(sessions.c.id == session_id).values(second_factor=True)
    )


async def of_user(session: AsyncSession, user_id: UUID) -> list[OpenSession]:
    """The user's open sessions, newest first."""
    rows = await session.execute(
        select(sessions.c.id, sessions.c.created_at, sessions.c.expires_at,
               sessions.c.second_factor)
        .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
               sessions.c.expires_at > func.now())
        .order_by(sessions.c.created_at.desc(), sessions.c.id)
    )  # fmt: skip
    return [OpenSession(row.id, row.created_at, row.expires_at, row.second_factor) for row in rows]


async def end_of_user(session: AsyncSession, *, user_id: UUID, session_id: UUID) -> bool:
    """End the session if it is the user's and still open; whether it was."""
    ended = await session.execute(
        sessions.update()
        .where(sessions.c.id == session_id, sessions.c.user_id == user_id,
               sessions.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(sessions.c.id)
    )  # fmt: skip
    return ended.first() is not None
