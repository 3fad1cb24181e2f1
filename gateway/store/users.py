"""Reading and writing master accounts, users and login attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from contracts.access import Access, ClientScope, Right
from gateway.store.tables import login_attempts, masters, users


@dataclass
class User:
    id: UUID
    master_account_id: str
    username: str
    display_name: str
    password_hash: str
    email: str | None = None
    is_primary: bool = False
    rights: frozenset[Right] = frozenset()
    scope: ClientScope = field(default_factory=ClientScope.nothing)
    active: bool = True
    totp_secret: str | None = None
    totp_enabled: bool = False
    preferences: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def access(self) -> Access:
        """What the user may do and see: the primary user everything, others what was granted
        (worked out once: a user is read again, never changed in place, when they change)."""
        if self.is_primary:
            return Access.primary()
        return Access(rights=self.rights, scope=self.scope)


def rights_of(stored: Any) -> frozenset[Right]:
    """The rights a row holds (a right no longer known is dropped, never guessed)."""
    known = {right.value for right in Right}
    return frozenset(Right(value) for value in stored or () if value in known)


def to_user(row: Any) -> User:
    return User(
        id=row.id,
        master_account_id=row.master_account_id,
        username=row.username,
        display_name=row.display_name,
        password_hash=row.password_hash,
        email=row.email,
        is_primary=row.is_primary,
        rights=rights_of(row.rights),
        scope=ClientScope.model_validate(row.scope),
        active=row.active,
        totp_secret=row.totp_secret,
        totp_enabled=row.totp_enabled,
        preferences=dict(row.preferences),
    )


async def ensure_master(
    session: AsyncSession, *, master_account_id: str, name: str, time_zone: str | None = None
) -> None:
    """Create the master, or rename it; its time zone changes only when one is given (a new
    master without one keeps time in UTC)."""
    statement = insert(masters).values(
        id=master_account_id, name=name, time_zone=time_zone or "UTC"
    )
    changes = {"name": name} if time_zone is None else {"name": name, "time_zone": time_zone}
    await session.execute(
        statement.on_conflict_do_update(index_elements=[masters.c.id], set_=changes)
    )


@dataclass(frozen=True)
class Master:
    id: str
    name: str
    time_zone: str


async def all_masters(session: AsyncSession) -> list[Master]:
    rows = await session.execute(select(masters.c.id, masters.c.name, masters.c.time_zone))
    return [Master(id=row.id, name=row.name, time_zone=row.time_zone) for row in rows]


async def master_by_id(session: AsyncSession, master_account_id: str) -> Master | None:
    row = (await session.execute(
        select(masters.c.id, masters.c.name, masters.c.time_zone)
        .where(masters.c.id == master_account_id)
    )).first()  # fmt: skip
    return Master(id=row.id, name=row.name, time_zone=row.time_zone) if row else None


async def master_name(session: AsyncSession, master_account_id: str) -> str | None:
    return await session.scalar(select(masters.c.name).where(masters.c.id == master_account_id))


async def add_user(
    session: AsyncSession,
    *,
    master_account_id: str,
    username: str,
    display_name: str,
    password_hash: str,
    email: str | None = None,
    is_primary: bool = False,
    rights: frozenset[Right] = frozenset(),
    scope: ClientScope | None = None,
) -> UUID:
    """A new user; one who is not primary holds ``rights`` over ``scope`` (none by default)."""
    user_id = uuid4()
    await session.execute(
        users.insert().values(
            id=user_id,
            master_account_id=master_account_id,
            username=username.lower(),
            display_name=display_name,
            password_hash=password_hash,
            email=email,
            is_primary=is_primary,
            rights=sorted(rights),
            scope=(scope or ClientScope.nothing()).model_dump(mode="json"),
        )
    )
    return user_id


async def by_username(session: AsyncSession, username: str) -> User | None:
    row = (await session.execute(select(users).where(users.c.username == username.lower()))).first()
    return to_user(row) if row else None


async def by_id(session: AsyncSession | AsyncConnection, user_id: UUID) -> User | None:
    row = (await session.execute(select(users).where(users.c.id == user_id))).first()
    return to_user(row) if row else None


async def all_users(session: AsyncSession) -> list[User]:
    """Every user of every master (for announcing them all; a deployment has a few hundred)."""
    return [to_user(row) for row in await session.execute(select(users).order_by(users.c.id))]


async def update_user(session: AsyncSession, user_id: UUID, **values: Any) -> None:
    await session.execute(users.update().where(users.c.id == user_id).values(**values))


async def record_login(
    session: AsyncSession, *, username: str, client_ip: str, succeeded: bool, at: datetime
) -> None:
    """One login attempt (a password, or a second factor), at ``at`` of the caller's clock."""
    await session.execute(
        login_attempts.insert().values(
            username=username.lower()[:64], client_ip=client_ip[:64], succeeded=succeeded, at=at
        )
    )
    if succeeded:
        await session.execute(
            users.update().where(users.c.username == username.lower()).values(last_login_at=at)
        )


@dataclass(frozen=True)
class Failures:
    """Failed logins counted for a throttle: how many, and when the latest was."""

    count: int
    latest: datetime | None


async def failures_from_address(
    session: AsyncSession, *, client_ip: str, since: datetime
) -> Failures:
    """Failed logins from the address, for any username, since ``since`` (a success does not
    reset them: an attacker's own account would otherwise wipe the count)."""
    row = (
        await session.execute(
            select(func.count(), func.max(login_attempts.c.at)).where(
                login_attempts.c.client_ip == client_ip[:64],
                login_attempts.c.succeeded.is_(False),
                login_attempts.c.at > since,
            )
        )
    ).one()
    return Failures(int(row[0]), row[1])


async def failures_of_pair(
    session: AsyncSession, *, username: str, client_ip: str, since: datetime
) -> Failures:
    """Failed logins of the username from the address since ``since`` and since the pair's
    last success."""
    pair = (
        login_attempts.c.username == username.lower()[:64],
        login_attempts.c.client_ip == client_ip[:64],
    )
    last_success = (
        select(func.max(login_attempts.c.at))
        .where(*pair, login_attempts.c.succeeded)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(func.count(), func.max(login_attempts.c.at)).where(
                *pair,
                login_attempts.c.succeeded.is_(False),
                login_attempts.c.at > func.greatest(since, func.coalesce(last_success, since)),
            )
        )
    ).one()
    return Failures(int(row[0]), row[1])
