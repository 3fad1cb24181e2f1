"""Linked accounts (L3): one row per account of each link the linkage service executed, read
back as the links that form the groups (``domain/account_links.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Table, select
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.domain.account_links import Link
from services.analytics.store.segments import accounts_within
from services.analytics.store.tables import metadata

account_links = Table(
    "account_links",
    metadata,
    Column("request_id", PgUUID(as_uuid=True), primary_key=True),
    Column("account_number", String(32), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("surviving_account", String(32), nullable=False),
    Column("executed_at", DateTime(timezone=True), nullable=False),
    Index("ix_account_links_master_account", "master_account_id", "account_number"),
)


class AccountLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of links; a link already kept (a repeated event) changes nothing."""
        if rows:
            await self._session.execute(insert(account_links).values(list(rows))
                                        .on_conflict_do_nothing())  # fmt: skip

    async def links(self, *, master_account_id: str) -> list[Link]:
        """Every link of the master's accounts, whatever the caller's scope (a group's fee
        minimum counts all of its accounts)."""
        rows = await self._session.execute(
            select(account_links).where(account_links.c.master_account_id == master_account_id)
            .order_by(account_links.c.executed_at, account_links.c.request_id,
                      account_links.c.account_number != account_links.c.surviving_account,
                      account_links.c.account_number)
        )  # fmt: skip
        by_request: dict[Any, list[Any]] = {}
        for row in rows:
            by_request.setdefault(row.request_id, []).append(row)
        return [Link(request_id=request, surviving_account=parts[0].surviving_account,
                     accounts=tuple(p.account_number for p in parts), executed_at=parts[0].executed_at)
                for request, parts in by_request.items()]  # fmt: skip

    async def linked_within(self, *, master_account_id: str, scope: ClientScope) -> set[str]:
        """The linked accounts the scope reaches."""
        rows = await self._session.scalars(select(account_links.c.account_number).distinct().where(
            account_links.c.master_account_id == master_account_id,
            accounts_within(account_links.c.account_number, scope)))  # fmt: skip
        return set(rows)
