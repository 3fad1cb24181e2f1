"""The signed-in users of this gateway process, kept between requests: a token is verified and
its session and user read from the database once, then answered from memory until the user or
the session changes, the session or the token expires, or ``MAX_AGE_SECONDS`` pass.

Every change to a user or a session, from any process, commits a notice on the PostgreSQL
channel ``gateway_user_changes`` naming the user (triggers on ``users`` and ``user_sessions``,
migration gateway_0008: no code path can forget it). Each gateway process LISTENs on a
connection of its own and forgets that user's entries as the notice arrives, which PostgreSQL
sends as the change commits. Notices arrive in commit order, so ``caught_up()`` (a notice of its
own, awaited) proves that everything committed before it has been applied here; the gateway's
unit of work awaits it after each commit, so a logout, a deactivation or a change of rights is in
effect in the process that made it before that process answers.

Nothing is kept while the listening connection is down: from the moment it is lost until it is
back and the cache emptied, every request asks the database, as without a cache. A lookup that
started before a notice is not kept after it (``generation``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.store.sessions import SignedIn
from gateway.store.users import User
from services.runtime.db import UnitOfWork

log = structlog.get_logger(__name__)

CHANNEL = "gateway_user_changes"
APPLICATION_NAME = "gateway user change notices"
"""How the listening connection names itself to PostgreSQL (pg_stat_activity)."""
EVERYONE = "*"
"""The notice of a change that names nobody in particular (a TRUNCATE): forget every entry."""
MAX_AGE_SECONDS = 60.0
"""A kept entry is read again after this long even without a notice (belt and braces)."""
MAX_ENTRIES = 10_000
KEEPALIVE_SECONDS = 10.0
"""How often the listening connection proves it is alive (a dead one would miss notices)."""
ANSWER_SECONDS = 5.0
RECONNECT_SECONDS = (0.2, 1.0, 5.0)


@dataclass(frozen=True, slots=True)
class _Kept:
    user: User
    session: SignedIn
    expires_at: datetime
    """the session's end or the token's, whichever is sooner"""
    fresh_until: float


class SignedInCache:
    """Verified tokens, with their sessions and users; filled only while notices are received."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_age_seconds: float = MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: dict[str, _Kept] = {}
        self._tokens_of: dict[UUID, set[str]] = {}
        self._max_entries = max_entries
        self._max_age = max_age_seconds
        self._monotonic = monotonic
        self._generation = 0
        self._receiving = False

    @property
    def generation(self) -> int:
        """Read before a lookup and handed to ``keep``: a notice in between voids the lookup."""
        return self._generation

    @property
    def receiving(self) -> bool:
        return self._receiving

    def get(self, token: str) -> tuple[User, SignedIn] | None:
        """The user and session of a token kept earlier, while still good."""
        kept = self._entries.get(token)
        if kept is None:
            return None
        if kept.fresh_until <= self._monotonic() or kept.expires_at <= datetime.now(UTC):
            self._drop(token)
            return None
        return kept.user, kept.session

    def keep(
        self,
        generation: int,
        token: str,
        user: User,
        session: SignedIn,
        *,
        token_expires_at: datetime,
    ) -> None:
        """Keep what the lookup of a verified token, started at ``generation``, found; unless a
        notice came since (or none can come)."""
        if not self._receiving or generation != self._generation or session.expires_at is None:
            return
        if len(self._entries) >= self._max_entries:
            self._drop(next(iter(self._entries)))  # the oldest
        expires_at = min(session.expires_at, token_expires_at)
        self._entries[token] = _Kept(user, session, expires_at, self._monotonic() + self._max_age)
        self._tokens_of.setdefault(user.id, set()).add(token)

    def forget_user(self, user_id: UUID) -> None:
        self._generation += 1
        for token in self._tokens_of.pop(user_id, ()):
            self._entries.pop(token, None)

    def forget_everyone(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._tokens_of.clear()

    def start_receiving(self) -> None:
        """Notices arrive from now on: what was kept before may have missed some."""
        self.forget_everyone()
        self._receiving = True

    def stop_receiving(self) -> None:
        self._receiving = False
        self.forget_everyone()

    def noticed(self, payload: str) -> None:
        """A change committed to the user the notice names."""
        try:
            user_id = UUID(payload)
        except ValueError:
            self.forget_everyone()
            return
        self.forget_user(user_id)

    def _drop(self, token: str) -> None:
        kept = self._entries.pop(token, None)
        if kept is not None:
            tokens = self._tokens_of.get(kept.user.id)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._tokens_of[kept.user.id]


class UserChanges:
    """Receives the notices of changes for ``cache`` on a connection of its own (``run``, for the
    life of the process), reconnecting when it is lost."""

    def __init__(self, cache: SignedInCache, database_url: str) -> None:
        self.cache = cache
        self._url = database_url
        self._connection: Any = None  # asyncpg's connection while listening
        self._lock = asyncio.Lock()  # one statement at a time on that connection
        self._lost = asyncio.Event()
        self._awaited: dict[str, asyncio.Future[None]] = {}

    async def run(self) -> None:
        engine = create_async_engine(
            self._url, poolclass=NullPool,
            connect_args={"server_settings": {"application_name": APPLICATION_NAME}},
        )  # fmt: skip
        failures = 0
        try:
            while True:
                try:
                    async with engine.connect() as connection:
                        raw = await connection.get_raw_connection()
                        await self._listen(raw.driver_connection)
                        failures = 0
                        await self._watch()
                except Exception as error:  # whatever went wrong: listen again
                    log.warning("user change notices lost", error=type(error).__name__)
                finally:
                    self._stop()
                await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
                failures += 1
        finally:
            await engine.dispose()

    async def _listen(self, connection: Any) -> None:
        self._lost.clear()
        connection.add_termination_listener(lambda _: self._lost.set())
        await connection.add_listener(CHANNEL, self._received)
        self._connection = connection
        self.cache.start_receiving()

    async def _watch(self) -> None:
        """Until the connection is lost or stops answering."""
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), KEEPALIVE_SECONDS)
            if self._lost.is_set():
                return
            async with self._lock:
                await asyncio.wait_for(self._connection.execute("SELECT 1"), ANSWER_SECONDS)

    def _stop(self) -> None:
        self._connection = None
        self.cache.stop_receiving()
        for waiting in self._awaited.values():
            if not waiting.done():
                waiting.set_result(None)  # nothing is kept now: nothing to catch up with
        self._awaited.clear()

    def _received(self, _: Any, __: int, ___: str, payload: str) -> None:
        waiting = self._awaited.pop(payload, None)
        if waiting is not None:
            if not waiting.done():
                waiting.set_result(None)
            return
        if payload.startswith("caught-up:"):
            return  # another process's
        self.cache.noticed(payload)

    async def caught_up(self) -> None:
        """Return once every change committed before the call has been applied to the cache."""
        connection = self._connection
        if connection is None:
            return
        token = f"caught-up:{uuid.uuid4()}"
        waiting = asyncio.get_running_loop().create_future()
        self._awaited[token] = waiting
        try:
            async with self._lock:
                await asyncio.wait_for(
                    connection.execute("SELECT pg_notify($1, $2)", CHANNEL, token),
                    ANSWER_SECONDS,
                )
            await asyncio.wait_for(waiting, ANSWER_SECONDS)
        except Exception as error:
            # a notice may be missing: keep nothing until the connection is back
            log.warning("user change notices not confirmed", error=type(error).__name__)
            if connection is self._connection:
                self._lost.set()
                self.cache.stop_receiving()
        finally:
            self._awaited.pop(token, None)


class NoticedUnitOfWork(UnitOfWork):
    """The gateway's unit of work: once committed, the change is in effect in this process's
    cache of signed-in users."""

    def __init__(
        self, session: AsyncSession, on_commit_with_events: asyncio.Event, *, changes: UserChanges
    ) -> None:
        super().__init__(session, on_commit_with_events)
        self._changes = changes

    async def commit(self) -> None:
        await super().commit()
        await self._changes.caught_up()


def unit_of_work_noticed_by(
    changes: UserChanges,
) -> Callable[[AsyncSession, asyncio.Event], UnitOfWork]:
    """The gateway database's kind of unit of work (``Database(unit_of_work=...)``)."""

    def unit_of_work(session: AsyncSession, signal: asyncio.Event) -> UnitOfWork:
        return NoticedUnitOfWork(session, signal, changes=changes)

    return unit_of_work
