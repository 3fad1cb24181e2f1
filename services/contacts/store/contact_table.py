"""The contacts table (search, filters, sort, paging) and the pending registration tasks list:
the queries that read many contacts at once, always within one master account."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Result,
    String,
    and_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import ApplicationStage
from services.contacts.domain.contact import Contact
from services.contacts.domain.contact_table import ContactQuery, PendingTasksRow, TablePage
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.contacts import to_contact
from services.contacts.store.groups import visible_group_members
from services.contacts.store.scope import reach_conditions
from services.contacts.store.tables import SORT_KEYS, contacts

SORTABLE_COLUMNS = {
    "title": contacts.c.title,
    "contact": contacts.c.last_name,
    "type": contacts.c.kind,
    "account_type": contacts.c.account_type,
    "account_number": contacts.c.account_number,
    "status": contacts.c.status,
    "username": contacts.c.username,
    "email": contacts.c.email,
    "phone": contacts.c.phone,
    "net_asset_value": contacts.c.net_asset_value,
    "created_at": contacts.c.created_at,
}

COUNT_CAP = 10_000
"""The table counts matching contacts up to here: beyond it the total is shown as "10,000+"
(an exact count of a 100,000-contact book costs more than the page itself)."""
SORT_IN_MEMORY = 5_000
"""Up to this many matches are sorted in memory rather than read in order from an index."""
LARGE_COUNT_SECONDS = 60.0
_LARGE_COUNTS: dict[ContactQuery, float] = {}
"""a search or filter (or the whole book), without its sort and page -> until when it is known
to match more than COUNT_CAP contacts"""
LARGE_COUNTS_KEPT = 10_000

TABLE_COLUMNS = (
    contacts.c.id, contacts.c.kind, contacts.c.title, contacts.c.first_name,
    contacts.c.last_name, contacts.c.email, contacts.c.phone, contacts.c.username,
    contacts.c.account_number, contacts.c.account_type, contacts.c.status,
    contacts.c.net_asset_value, contacts.c.closed, contacts.c.version,
)  # fmt: skip
"""What a row of the table shows (never the profile: the list stays light)."""
_SHOWN = frozenset(column.name for column in TABLE_COLUMNS)

# the predicate of the partial index ix_contacts_master_pending_tasks (tables.py)
HAS_PENDING_TASKS = and_(
    contacts.c.pending_tasks != text("'[]'::jsonb"), contacts.c.closed.is_(False)
)


def _indexed_search(text: str | None) -> bool:
    """Whether the trigram index finds the search's matches (words of three or more letters);
    shorter words match too many contacts to sort in memory anyway."""
    return any(len(word) >= 3 for word in (text or "").split())


def _inline(value: str | int) -> BindParameter[Any]:
    """A value written into the SQL (quoted by SQLAlchemy), so that the plan is made for it."""
    kind = Integer() if isinstance(value, int) else String()
    return bindparam(None, value, type_=kind, literal_execute=True)


def _as_dicts(result: Result[Any]) -> list[dict[str, Any]]:
    # zipping plain rows with the keys: several times quicker than dict(RowMapping) per row
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _like_text(text_query: str) -> str:
    escaped = text_query.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


class ContactTableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _conditions(self, query: ContactQuery) -> list[ColumnElement[bool]]:
        """The search and filters of the table, always within the master and the caller's
        reach (no condition for a caller who reaches every contact).

        The master, search words and filter values are sent inline (safely quoted), not as
        parameters: after five runs of a prepared statement PostgreSQL may switch to a generic
        plan, which cannot see how selective ``LIKE '%müller%'`` or ``status = 'closed'`` or
        a master with 100,000 contacts is, and picks a scan ten times slower.
        """
        conditions: list[ColumnElement[bool]] = [
            contacts.c.master_account_id == _inline(query.master_account_id),
            *reach_conditions(query.reach, query.master_account_id),
        ]
        for word in (query.text or "").lower().split()[:5]:
            escaped = word.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
            conditions.append(contacts.c.search_text.like(_inline(f"%{escaped}%")))
        if query.kind:
            conditions.append(contacts.c.kind == _inline(query.kind.value))
        if query.account_type:
            conditions.append(contacts.c.account_type == _inline(query.account_type.value))
        if query.status:
            conditions.append(contacts.c.status == _inline(query.status.value))
        if query.group_id:
            members = visible_group_members(
                query.master_account_id, query.viewer_user_id, query.group_id
            )
            conditions.append(contacts.c.id.in_(members))
        if not query.include_closed:
            conditions.append(contacts.c.closed.is_(False))
        return conditions

    async def search(self, query: ContactQuery) -> tuple[list[Contact], int]:
        """Whole contacts (with profiles) of a page, and the exact count of matches."""
        where = and_(*self._conditions(query))
        column = SORTABLE_COLUMNS[query.sort]
        order = column.desc().nulls_last() if query.descending else column.asc().nulls_last()
        rows = (
            await self._session.execute(
                select(contacts)
                .where(where)
                .order_by(order, contacts.c.id)
                .offset(query.offset)
                .limit(query.limit)
            )
        ).all()
        total = await self._session.scalar(select(func.count()).select_from(contacts).where(where))
        return [to_contact(row) for row in rows], int(total or 0)

    async def page(self, query: ContactQuery) -> TablePage:
        """A page of the contacts table: its rows, and the number of matches up to COUNT_CAP.

        A few matches (up to SORT_IN_MEMORY) are fetched through the best index for the
        search or filters and sorted in memory; many are read in order from the sort's index
        (``SORT_KEYS``, led by the master) until the page is full, which is quick precisely
        because matches are dense. Left to itself, the planner walks the sort index even when
        the matches cluster far along it (a last name searched while sorting by name), or it
        cannot see how selective a search is: so the number of matches decides.
        """
        conditions = self._conditions(query)
        keys = [contacts.c[name] for name in SORT_KEYS[query.sort]]
        page = (query.descending, query.offset, query.limit)
        total: int | None = None
        if _indexed_search(query.text):  # one query: the matches, their number and the page
            rows, found = await self._sorted_in_memory(conditions, keys, *page)
            if found <= SORT_IN_MEMORY:
                return TablePage(rows, found, True)
        elif len(conditions) > 1:  # filters: their indexes count cheaply
            total = await self._capped_count(query, conditions)
            if total <= SORT_IN_MEMORY:
                rows, _ = await self._sorted_in_memory(conditions, keys, *page)
                return TablePage(rows, total, True)
        rows = await self._walk_index(conditions, keys, *page)
        if total is None:
            total = await self._capped_count(query, conditions)
        return TablePage(rows, min(total, COUNT_CAP), total <= COUNT_CAP)

    async def _capped_count(
        self, query: ContactQuery, conditions: Sequence[ColumnElement[bool]]
    ) -> int:
        """The matches, up to COUNT_CAP + 1. A search or filter (or the whole book) known to
        match more than the cap is not counted again for a minute: it does not shrink below the
        cap that fast, and counting 10,001 matches costs more than the page itself (where no
        index holds every condition, 10-20 ms of PostgreSQL's time)."""
        counted = replace(query, sort="contact", descending=False, offset=0, limit=0)
        now = time.monotonic()
        if _LARGE_COUNTS.get(counted, 0.0) > now:
            return COUNT_CAP + 1
        total = await self._count(conditions, cap=COUNT_CAP)
        if total > COUNT_CAP:
            if len(_LARGE_COUNTS) >= LARGE_COUNTS_KEPT:
                _LARGE_COUNTS.clear()
            _LARGE_COUNTS[counted] = now + LARGE_COUNT_SECONDS
        return total

    async def _sorted_in_memory(
        self,
        conditions: Sequence[ColumnElement[bool]],
        keys: Sequence[Any],
        descending: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """The page of matches sorted in memory, and the number of matches (SORT_IN_MEMORY + 1
        meaning more)."""
        # the sort's keys the table does not show (created_at) are read for the sort only
        hidden = [key for key in keys if key.name not in _SHOWN]
        # MATERIALIZED keeps the planner from walking a sort index instead
        matches = (
            select(*TABLE_COLUMNS, *hidden)
            .where(*conditions)
            .limit(_inline(SORT_IN_MEMORY + 1))
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )
        found = select(func.count()).select_from(matches).scalar_subquery().label("found")
        order = [
            matches.c[key.name].desc().nulls_last() if descending else matches.c[key.name].asc()
            for key in keys
        ]
        statement = (
            select(matches, found).order_by(*order).offset(_inline(offset)).limit(_inline(limit))
        )
        rows = _as_dicts(await self._session.execute(statement))
        if not rows:
            return [], await self._count(conditions, cap=SORT_IN_MEMORY) if offset else 0
        found_count = int(rows[0]["found"])
        for row in rows:
            for name in ("found", *(key.name for key in hidden)):
                del row[name]
        return rows, found_count

    async def _walk_index(
        self,
        conditions: Sequence[ColumnElement[bool]],
        keys: Sequence[Any],
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Empty values come last both ways: a descending walk reads the filled-in part of the
        index backwards, then the empty part."""
        lead = keys[0]
        if not (descending and lead.nullable):
            return await self._rows(conditions, keys, descending, offset, limit)
        filled = [*conditions, lead.is_not(None)]
        rows = await self._rows(filled, keys, True, offset, limit)
        if len(rows) < limit:
            skip = 0 if rows else offset - await self._count(filled)
            rows += await self._rows(
                [*conditions, lead.is_(None)], keys[1:], True, max(skip, 0), limit - len(rows)
            )
        return rows

    async def _rows(
        self,
        conditions: Sequence[ColumnElement[bool]],
        keys: Sequence[Any],
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[dict[str, Any]]:
        order = [key.desc() if descending else key.asc() for key in keys]
        statement = (
            select(*TABLE_COLUMNS)
            .where(*conditions)
            .order_by(*order)
            .offset(_inline(offset))
            .limit(_inline(limit))
        )
        return _as_dicts(await self._session.execute(statement))

    async def _count(
        self, conditions: Sequence[ColumnElement[bool]], *, cap: int | None = None
    ) -> int:
        """Matches, or ``cap + 1`` when there are more than ``cap``."""
        matching = select(contacts.c.id).where(*conditions)
        if cap is not None:
            matching = matching.limit(_inline(cap + 1))
        total = await self._session.scalar(select(func.count()).select_from(matching.subquery()))
        return int(total or 0)

    async def rows(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[dict[str, Any]]:
        """The table's columns of these contacts of the master within ``reach`` (others are
        left out)."""
        if not contact_ids:
            return []
        statement = select(*TABLE_COLUMNS).where(
            contacts.c.master_account_id == master_account_id,
            contacts.c.id.in_(contact_ids),
            *reach_conditions(reach, master_account_id),
        )
        return [dict(row._mapping) for row in await self._session.execute(statement)]

    async def count_with_pending_tasks(
        self, *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> int:
        """Open records with pending registration tasks (the statistics row's red pill)."""
        statement = select(func.count()).where(
            contacts.c.master_account_id == master_account_id,
            HAS_PENDING_TASKS,
            *reach_conditions(reach, master_account_id),
        )
        return int(await self._session.scalar(statement) or 0)

    async def pending_tasks(
        self,
        *,
        master_account_id: str,
        text_query: str | None,
        offset: int,
        limit: int,
        reach: Reach = EVERYTHING,
    ) -> tuple[list[PendingTasksRow], int]:
        """Open contacts with pending registration tasks within ``reach``, by name; searchable
        by account number or name."""
        conditions = [
            contacts.c.master_account_id == master_account_id,
            HAS_PENDING_TASKS,
            *reach_conditions(reach, master_account_id),
        ]
        if text_query:
            conditions.append(contacts.c.search_text.like(_like_text(text_query)))
        where = and_(*conditions)
        rows = await self._session.execute(
            select(
                contacts.c.id, contacts.c.first_name, contacts.c.last_name,
                contacts.c.account_number, contacts.c.status, contacts.c.pending_tasks,
            )
            .where(where)
            .order_by(contacts.c.last_name, contacts.c.first_name, contacts.c.id)
            .offset(offset)
            .limit(limit)
        )  # fmt: skip
        found = [
            PendingTasksRow(
                contact_id=row.id,
                name=f"{row.first_name} {row.last_name}",
                account_number=row.account_number,
                status=ApplicationStage(row.status) if row.status else None,
                tasks=[str(task) for task in row.pending_tasks],
            )
            for row in rows
        ]
        total = await self._session.scalar(select(func.count()).select_from(contacts).where(where))
        return found, int(total or 0)
