"""Loading and saving contacts; every query is scoped to one master account."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Result,
    Select,
    String,
    and_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.contacts import SortColumn
from contracts.contacts import ContactKind
from services.contacts.domain.contact import TRACKED_FIELDS, Contact
from services.contacts.domain.profile import Profile
from services.contacts.store.groups import visible_group_members
from services.contacts.store.tables import SORT_KEYS, contact_changes, contacts

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


@dataclass(frozen=True)
class ContactQuery:
    text: str | None = None
    kind: ContactKind | None = None
    account_type: AccountType | None = None
    status: ApplicationStage | None = None
    group_id: UUID | None = None
    viewer_user_id: str = ""
    """who is asking: a group filter only applies a group this user sees"""
    include_closed: bool = True
    sort: SortColumn = "contact"
    descending: bool = False
    offset: int = 0
    limit: int = 50


COUNT_CAP = 10_000
"""The table counts matching contacts up to here: beyond it the total is shown as "10,000+"
(an exact count of a 100,000-contact book costs more than the page itself)."""
SORT_IN_MEMORY = 5_000
"""Up to this many matches are sorted in memory rather than read in order from an index."""
LARGE_BOOK_SECONDS = 60.0
_LARGE_BOOKS: dict[str, float] = {}
"""master -> until when its book is known to hold more than COUNT_CAP contacts"""

TABLE_COLUMNS = (
    contacts.c.id, contacts.c.kind, contacts.c.title, contacts.c.first_name,
    contacts.c.last_name, contacts.c.email, contacts.c.phone, contacts.c.username,
    contacts.c.account_number, contacts.c.account_type, contacts.c.status,
    contacts.c.net_asset_value, contacts.c.closed, contacts.c.version,
)  # fmt: skip
"""What a row of the table shows (never the profile: the list stays light)."""


@dataclass(frozen=True)
class TablePage:
    rows: list[dict[str, Any]]
    """the ``TABLE_COLUMNS`` of each contact on the page"""
    total: int
    total_exact: bool


@dataclass(frozen=True)
class ChangeRecord:
    changed_at: Any
    changed_by: str
    action: str
    changes: dict[str, Any]


def _to_contact(row: Any) -> Contact:
    return Contact(
        id=row.id,
        master_account_id=row.master_account_id,
        kind=ContactKind(row.kind),
        title=row.title,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        username=row.username,
        account_number=row.account_number,
        account_type=AccountType(row.account_type) if row.account_type else None,
        status=ApplicationStage(row.status) if row.status else None,
        status_changed_at=row.status_changed_at,
        net_asset_value=row.net_asset_value,
        closed=row.closed,
        profile=Profile.model_validate(row.profile),
        pending_tasks=list(row.pending_tasks),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(contact: Contact) -> dict[str, Any]:
    values = {name: getattr(contact, name) for name in TRACKED_FIELDS}
    values["profile"] = contact.profile.model_dump(mode="json", exclude_none=True)
    return {**values, "id": contact.id, "version": contact.version}


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


class ContactRepository:
    def __init__(self, session: AsyncSession | AsyncConnection, master_account_id: str) -> None:
        self._session = session
        self._master = master_account_id

    def _scoped(self) -> Select[Any]:
        return select(contacts).where(contacts.c.master_account_id == self._master)

    async def get(self, contact_id: UUID, *, for_update: bool = False) -> Contact | None:
        statement = self._scoped().where(contacts.c.id == contact_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return _to_contact(row) if row else None

    async def by_account_number(self, account_number: str) -> Contact | None:
        statement = (
            self._scoped().where(contacts.c.account_number == account_number).with_for_update()
        )
        row = (await self._session.execute(statement)).first()
        return _to_contact(row) if row else None

    async def invited_prospect_by_email(self, email: str) -> Contact | None:
        """A prospect without an account yet, with this email: the one an application is for."""
        statement = (
            self._scoped()
            .where(
                func.lower(contacts.c.email) == email.lower(),
                contacts.c.account_number.is_(None),
            )
            .order_by(contacts.c.created_at)
            .limit(1)
            .with_for_update()
        )
        row = (await self._session.execute(statement)).first()
        return _to_contact(row) if row else None

    async def add(self, contact: Contact) -> None:
        assert contact.master_account_id == self._master
        await self._session.execute(insert(contacts).values(**_values(contact)))

    async def save(self, contact: Contact) -> None:
        assert contact.master_account_id == self._master
        await self._session.execute(
            contacts.update()
            .where(and_(contacts.c.id == contact.id, contacts.c.master_account_id == self._master))
            .values(**_values(contact), updated_at=func.now())
        )

    async def set_net_asset_value(self, account_number: str, value: Decimal) -> None:
        await self._session.execute(
            contacts.update()
            .where(
                contacts.c.master_account_id == self._master,
                contacts.c.account_number == account_number,
            )
            .values(net_asset_value=value)
        )

    async def record_change(
        self, contact: Contact, *, changed_by: str, action: str, changes: dict[str, Any]
    ) -> None:
        await self._session.execute(
            contact_changes.insert().values(
                contact_id=contact.id,
                master_account_id=self._master,
                changed_by=changed_by,
                action=action,
                changes=changes,
            )
        )

    def _conditions(self, query: ContactQuery) -> list[ColumnElement[bool]]:
        """The search and filters of the table, always within the master.

        The master, search words and filter values are sent inline (safely quoted), not as
        parameters: after five runs of a prepared statement PostgreSQL may switch to a generic
        plan, which cannot see how selective ``LIKE '%müller%'`` or ``status = 'closed'`` or
        a master with 100,000 contacts is, and picks a scan ten times slower.
        """
        conditions: list[ColumnElement[bool]] = [
            contacts.c.master_account_id == _inline(self._master)
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
            members = visible_group_members(self._master, query.viewer_user_id, query.group_id)
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
        return [_to_contact(row) for row in rows], int(total or 0)

    async def table(self, query: ContactQuery) -> TablePage:
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
            total = await self._count(conditions, cap=COUNT_CAP)
            if total <= SORT_IN_MEMORY:
                rows, _ = await self._sorted_in_memory(conditions, keys, *page)
                return TablePage(rows, total, True)
        rows = await self._walk_index(conditions, keys, *page)
        if total is None:
            total = await self._book_size() if len(conditions) == 1 else None
        if total is None:
            total = await self._count(conditions, cap=COUNT_CAP)
        return TablePage(rows, min(total, COUNT_CAP), total <= COUNT_CAP)

    async def _book_size(self) -> int:
        """All the master's contacts, up to COUNT_CAP + 1. A book known to be larger than the
        cap is not recounted for a minute: it does not shrink below it that fast, and the
        unfiltered table is what is asked for most."""
        now = time.monotonic()
        if _LARGE_BOOKS.get(self._master, 0.0) > now:
            return COUNT_CAP + 1
        total = await self._count(self._conditions(ContactQuery()), cap=COUNT_CAP)
        if total > COUNT_CAP:
            _LARGE_BOOKS[self._master] = now + LARGE_BOOK_SECONDS
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
        # MATERIALIZED keeps the planner from walking a sort index instead
        matches = (
            select(*TABLE_COLUMNS)
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
            del row["found"]
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

    async def count_with_pending_tasks(self) -> int:
        """Open records with pending registration tasks (the statistics row's red pill)."""
        statement = select(func.count()).where(
            contacts.c.master_account_id == self._master,
            contacts.c.pending_tasks != text("'[]'::jsonb"),  # the partial index's predicate
            contacts.c.closed.is_(False),
        )
        return int(await self._session.scalar(statement) or 0)

    async def history(self, contact_id: UUID, *, limit: int) -> list[ChangeRecord]:
        statement = (
            select(contact_changes)
            .where(
                contact_changes.c.master_account_id == self._master,
                contact_changes.c.contact_id == contact_id,
            )
            .order_by(contact_changes.c.id.desc())
            .limit(limit)
        )
        rows = (await self._session.execute(statement)).all()
        return [
            ChangeRecord(row.changed_at, row.changed_by, row.action, dict(row.changes))
            for row in rows
        ]
