"""The account facts read model (written per event family, each under its own version), the
account data query as SQL within the caller's client scope, and saved segments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.domain.segments import Predicate
from services.analytics.store.tables import contact_states, group_members
from services.analytics.store.tools_tables import segment_facts, segments

ROW_COLUMNS = ("account_number", "first_name", "last_name", "account_type", "status", "country",
               "date_of_birth", "net_asset_value", "risk_score")  # fmt: skip


def accounts_within(column: Any, scope: ClientScope) -> ColumnElement[bool]:
    """An account-numbered row the scope reaches: its account is named, or its client is in a
    named group now. Every client: no predicate."""
    if scope.all_clients:
        return true()
    visible: list[ColumnElement[bool]] = []
    if scope.account_numbers:
        chosen = bindparam("scope_accounts", sorted(scope.account_numbers), type_=ARRAY(String()))
        visible.append(column == any_(chosen))
    if scope.group_ids:
        groups = bindparam(
            "scope_groups", sorted(scope.group_ids), type_=ARRAY(PgUUID(as_uuid=True))
        )
        members = (
            select(contact_states.c.account_number)
            .join(group_members, group_members.c.contact_id == contact_states.c.contact_id)
            .where(
                group_members.c.group_id == any_(groups),
                contact_states.c.account_number.is_not(None),
            )
        )
        visible.append(column.in_(members))
    return or_(*visible) if visible else column.is_(None) & column.is_not(None)


def _sql(test: Predicate) -> ColumnElement[bool]:
    if test.column == "group_ids":
        groups = bindparam(
            None, [UUID(str(g)) for g in test.value], type_=ARRAY(PgUUID(as_uuid=True))
        )
        members = (
            select(contact_states.c.account_number)
            .join(group_members, group_members.c.contact_id == contact_states.c.contact_id)
            .where(group_members.c.group_id == any_(groups))
        )
        if test.op == "all_of":
            members = members.group_by(contact_states.c.account_number).having(
                func.count(func.distinct(group_members.c.group_id)) == len(set(test.value))
            )
        return segment_facts.c.account_number.in_(members)
    column = segment_facts.c[test.column]
    match test.op:
        case "is_set":
            return column.is_not(None)
        case "bands":
            return or_(*[and_(column >= low if low is not None else true(),
                              column < high if high is not None else true()) for low, high in test.value])  # fmt: skip
        case "is":
            return func.coalesce(column, False).is_(test.value)
        case "any_of":
            return column.overlap(bindparam(None, list(test.value), type_=ARRAY(Text())))
        case "all_of":
            return column.contains(bindparam(None, list(test.value), type_=ARRAY(Text())))
        case "contains":
            escaped = str(test.value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return column.ilike(f"%{escaped}%", escape="\\")
        case "in":
            return column.in_(list(test.value))
        case "between":
            low, high = test.value
            return and_(column >= low if low is not None else true(), column <= high if high is not None else true())  # fmt: skip
        case "eq":
            return column == test.value
        case "gte":
            return column >= test.value
        case "lte":
            return column <= test.value
        case "gt":
            return column > test.value
    raise ValueError(test.op)


class SegmentFactsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, rows: Sequence[dict[str, Any]], *, version_column: str | None) -> None:
        """Each row's columns for its account; a row older than the one kept (by
        ``version_column``) changes nothing. Rows hold one account each, the same columns,
        written in account order (consumers of several topics write the table: no deadlock)."""
        if not rows:
            return
        statement = insert(segment_facts).values(sorted(rows, key=lambda r: r["account_number"]))
        names = [name for name in rows[0] if name != "account_number"]
        guard = None
        if version_column is not None:
            kept = segment_facts.c[version_column]
            guard = kept.is_(None) | (kept < statement.excluded[version_column])
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[segment_facts.c.account_number],
                set_={name: statement.excluded[name] for name in names},
                where=guard,
            )
        )

    async def set_values(
        self, *, master_account_id: str, account_number: str, **values: Any
    ) -> None:
        await self._session.execute(
            update(segment_facts)
            .where(segment_facts.c.account_number == account_number,
                   segment_facts.c.master_account_id == master_account_id)
            .values(**values)
        )  # fmt: skip

    async def query(
        self, *, master_account_id: str, tests: Sequence[Sequence[Predicate]], match: str,
        scope: ClientScope, limit: int | None,
    ) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
        """(how many match, the first ``limit`` of them by account number; None: all)."""
        criteria = [and_(*[_sql(t) for t in group]) for group in tests]
        combined = (and_(*criteria) if match == "all" else or_(*criteria)) if criteria else true()
        where = and_(segment_facts.c.master_account_id == master_account_id,
                     accounts_within(segment_facts.c.account_number, scope), combined)  # fmt: skip
        total = await self._session.scalar(
            select(func.count()).select_from(segment_facts).where(where)
        )
        found = select(*[segment_facts.c[name] for name in (*ROW_COLUMNS, "contact_id")]).where(
            where
        )
        found = found.order_by(segment_facts.c.account_number)
        if limit is not None:
            found = found.limit(limit)
        rows = await self._session.execute(found)
        return int(total or 0), [dict(row._mapping) for row in rows]

    async def facts_of(
        self, *, master_account_id: str, account_number: str, scope: ClientScope
    ) -> dict[str, Any] | None:
        row = (await self._session.execute(select(segment_facts).where(
            segment_facts.c.master_account_id == master_account_id,
            segment_facts.c.account_number == account_number,
            accounts_within(segment_facts.c.account_number, scope),
        ))).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def facts_of_many(
        self, *, master_account_id: str, account_numbers: Sequence[str], scope: ClientScope
    ) -> dict[str, dict[str, Any]]:
        """The facts of each account within reach, by account number (one query)."""
        if not account_numbers:
            return {}
        rows = await self._session.execute(select(segment_facts).where(
            segment_facts.c.master_account_id == master_account_id,
            segment_facts.c.account_number.in_(sorted(set(account_numbers))),
            accounts_within(segment_facts.c.account_number, scope),
        ))  # fmt: skip
        return {row.account_number: dict(row._mapping) for row in rows}

    async def accounts_of_types(
        self, *, master_account_id: str, account_types: Sequence[str], scope: ClientScope
    ) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(segment_facts).where(
            segment_facts.c.master_account_id == master_account_id,
            segment_facts.c.account_type.in_(list(account_types)),
            accounts_within(segment_facts.c.account_number, scope),
        ).order_by(segment_facts.c.account_number))  # fmt: skip
        return [dict(row._mapping) for row in rows]


class SegmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, row: dict[str, Any]) -> None:
        statement = insert(segments).values(row)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=[segments.c.segment_id],
            set_={name: statement.excluded[name] for name in row if name != "segment_id"},
        ))  # fmt: skip

    async def get(self, *, master_account_id: str, segment_id: UUID) -> dict[str, Any] | None:
        row = (await self._session.execute(select(segments).where(
            segments.c.segment_id == segment_id, segments.c.master_account_id == master_account_id,
            segments.c.deleted.is_(False)))).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def list(self, *, master_account_id: str) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(segments).where(
            segments.c.master_account_id == master_account_id, segments.c.deleted.is_(False),
        ).order_by(segments.c.name))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def mark_deleted(self, *, segment_id: UUID, version: int, at: datetime) -> None:
        await self._session.execute(update(segments).where(segments.c.segment_id == segment_id)
                                    .values(deleted=True, version=version, refreshed_at=at, member_count=0))  # fmt: skip
