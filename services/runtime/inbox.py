"""The idempotent inbox: an event's effect is applied once per consumer, however often it arrives."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Column, DateTime, MetaData, String, Table, bindparam, func, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

TABLE_NAME = "inbox"


def define_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", PgUUID(as_uuid=True), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def claim(session: AsyncSession, *, consumer: str, event_id: UUID) -> bool:
    """Insert the (consumer, event) pair in the caller's transaction; False if it was there."""
    statement = (
        insert(_STATEMENT_TABLE)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(_STATEMENT_TABLE.c.event_id)
    )
    return (await session.execute(statement)).first() is not None


async def claim_all(
    session: AsyncSession, *, consumer: str, event_ids: Iterable[UUID]
) -> set[UUID]:
    """Insert the (consumer, event) pairs with one statement in the caller's transaction; return
    the ids that were not there yet (each id once, however often it is given)."""
    ids = sorted(
        set(event_ids)
    )  # one order for every caller: overlapping claims wait, not deadlock
    if not ids:
        return set()
    return set((await session.scalars(_CLAIM_ALL, {"consumer": consumer, "ids": ids})).all())


# One statement text for any number of ids: compiled and prepared once per connection.
_CLAIM_ALL = (
    text(
        f"INSERT INTO {TABLE_NAME} (consumer, event_id) "
        "SELECT CAST(:consumer AS varchar), unnest(CAST(:ids AS uuid[])) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    .bindparams(bindparam("ids", type_=ARRAY(PgUUID(as_uuid=True))))
    .columns(event_id=PgUUID(as_uuid=True))
)

# Statements only need the table's name and columns, which are the same in every service.
_STATEMENT_TABLE = define_table(MetaData())
