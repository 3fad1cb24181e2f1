"""Database engine, the unit of work, and creating a service's database when it is missing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from contracts.envelope import Event
from services.runtime import inbox, outbox
from services.runtime.settings import async_database_url

if TYPE_CHECKING:
    from services.runtime.consumers import Delivery

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """A service's metadata, already holding the outbox and inbox tables every service needs."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    outbox.define_table(metadata)
    inbox.define_table(metadata)
    return metadata


class EventPublisher(Protocol):
    """What every service's unit-of-work protocol includes: publishing through the outbox."""

    async def publish(
        self,
        topic: str,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
        caused_by: Delivery[Any] | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Publication:
    """An event to publish with others in one statement (``publish_many``): a set-based handler's
    events, each naming the event it was published for, whose trace it continues."""

    topic: str
    event: Event
    master_account_id: str
    caused_by: Delivery[Any] | None = None


class BatchPublisher(Protocol):
    """Publishing many events of any topics and masters through the outbox at once."""

    async def publish_many(self, publications: Sequence[Publication]) -> None: ...


class UnitOfWork:
    """One transaction: state changes, the events they publish, and the inbox claim commit together.

    Rolls back unless :meth:`commit` is called. A service subclasses it to hold its repositories
    (built on ``session``), so its use cases reach storage only through the unit of work and its
    unit tests can pass a fake one instead.
    """

    def __init__(self, session: AsyncSession, on_commit_with_events: asyncio.Event) -> None:
        self.session = session
        self._published = 0
        self._committed = False
        self._outbox_signal = on_commit_with_events

    async def publish(
        self,
        topic: str,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
        caused_by: Delivery[Any] | None = None,
    ) -> None:
        """Publish ``event`` when the transaction commits. An event published while applying
        another names it in ``caused_by`` (a set-based handler, where no single event is the
        current one), so the trace goes on from that event."""
        await outbox.add(
            self.session,
            topic,
            event,
            master_account_id=master_account_id,
            correlation_id=correlation_id,
            trace_context=caused_by.trace_context if caused_by else None,
        )
        self._published += 1

    async def publish_all(
        self,
        topic: str,
        events: Sequence[Event],
        *,
        master_account_id: str,
        caused_by: Delivery[Any] | None = None,
    ) -> None:
        """``publish`` for many events with one statement."""
        await outbox.add_many(
            self.session, topic, events, master_account_id=master_account_id,
            trace_context=caused_by.trace_context if caused_by else None,
        )  # fmt: skip
        self._published += len(events)

    async def publish_many(self, publications: Sequence[Publication]) -> None:
        """``publish`` for many events, in order, with one statement."""
        await outbox.add_each(self.session, [
            (p.topic, p.event, p.master_account_id,
             p.caused_by.trace_context if p.caused_by else None)
            for p in publications
        ])  # fmt: skip
        self._published += len(publications)

    async def claim(self, consumer: str, event_id: UUID) -> bool:
        """Record the event as processed by ``consumer``; False when it already was."""
        return await inbox.claim(self.session, consumer=consumer, event_id=event_id)

    async def claim_all(self, consumer: str, event_ids: Iterable[UUID]) -> set[UUID]:
        """Record the events as processed by ``consumer`` (one statement); the ids that were new."""
        return await inbox.claim_all(self.session, consumer=consumer, event_ids=event_ids)

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True
        if self._published:
            self._outbox_signal.set()

    async def rollback(self) -> None:
        await self.session.rollback()


UnitOfWorkT = TypeVar("UnitOfWorkT", bound=UnitOfWork)


class Database(Generic[UnitOfWorkT]):
    """A service's database; ``unit_of_work()`` opens the service's own kind of unit of work."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 15,
        unit_of_work: Callable[[AsyncSession, asyncio.Event], UnitOfWorkT] = UnitOfWork,  # type: ignore[assignment]
    ) -> None:
        self._new_unit_of_work = unit_of_work
        self.url = async_database_url(url)
        # No overflow: under a burst, requests wait for one of the pool's connections instead
        # of opening (and closing again) a connection each, which costs the server a backend
        # process and the client its set-up queries, and collapses throughput.
        # No pre-ping: with asyncpg it is three round trips (BEGIN, ping, ROLLBACK) on every
        # checkout. A connection the server dropped fails its one request and SQLAlchemy then
        # discards the whole pool; idle connections are renewed after half an hour.
        self.engine: AsyncEngine = create_async_engine(
            self.url, pool_size=pool_size, max_overflow=0, pool_recycle=1800
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_signal = asyncio.Event()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWorkT]:
        """A transaction that rolls back unless the block commits it."""
        async with self.sessions() as session:
            uow = self._new_unit_of_work(session, self.outbox_signal)
            try:
                yield uow
            finally:
                if not uow._committed:
                    await uow.rollback()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWorkT]:
        """A unit of work that commits when the block ends without an error (a route's
        transaction: the use case changes, the route commits by leaving the block)."""
        async with self.unit_of_work() as uow:
            yield uow
            await uow.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def queries(self) -> AsyncIterator[UnitOfWorkT]:
        """A unit of work for queries only, on a connection in autocommit: no BEGIN and ROLLBACK
        round trips (for the busiest reads). Nothing it does is ever committed or published."""
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=connection) as session:
                yield self._new_unit_of_work(session, self.outbox_signal)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.engine.dispose()


def _asyncpg_dsn(url: str, database: str) -> tuple[str, dict[str, Any]]:
    parsed = make_url(async_database_url(url)).set(drivername="postgresql", database=database)
    query = dict(parsed.query)
    host = query.pop("host", None)
    dsn = parsed.set(query={}).render_as_string(hide_password=False)
    return dsn, ({"host": host} if host else {})


async def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server does not have it yet."""
    name = make_url(async_database_url(url)).database
    if not name:
        raise ValueError("the database URL names no database")
    dsn, extra = _asyncpg_dsn(url, "postgres")
    connection = await asyncpg.connect(dsn, **extra)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # another replica may create it first
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
