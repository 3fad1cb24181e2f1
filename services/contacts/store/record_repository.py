"""One repository for every kind of CRM record (get, add, save, delete, list a page, move to
another contact), parameterised by the kind's ``RecordMapping`` (``record_kinds.py``).

Every query takes the caller's master account and filters by it; an id of another master's record
is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Select, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.domain.record_listings import Listed, PageRequest, RecordFilter
from services.contacts.domain.records import Record
from services.contacts.store.record_tables import CONTACT_NAME
from services.contacts.store.scope import reach_conditions
from services.contacts.store.tables import contacts

RecordT = TypeVar("RecordT", bound=Record)
FilterT = TypeVar("FilterT", bound=RecordFilter)


@dataclass(frozen=True)
class RecordMapping(Generic[RecordT, FilterT]):
    """How one kind of record lives in its table and is listed."""

    table: Table
    kind: type[RecordT]
    changeable: tuple[str, ...]
    """the columns a saved change writes"""
    conditions: Callable[[FilterT], list[ColumnElement[bool]]]
    order_by: Callable[[FilterT], list[Any]]
    converters: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    """field -> its type, where the column holds the plain value (an enum's)"""

    def record_of(self, row: Any, **given: Any) -> RecordT:
        """The record of a row: each field is the column of its name (``contact_name`` that of
        ``CONTACT_NAME``), or its ``given`` value."""
        values = {f.name: getattr(row, f.name) for f in fields(self.kind) if f.name not in given}
        for name, convert in self.converters.items():
            if name in values:
                values[name] = convert(values[name])
        return self.kind(**values, **given)


class SqlRecordRepository(Generic[RecordT, FilterT]):
    def __init__(self, session: AsyncSession, mapping: RecordMapping[RecordT, FilterT]) -> None:
        self._session = session
        self.mapping = mapping
        self._table = mapping.table

    def _of_master(self, master_account_id: str) -> ColumnElement[bool]:
        return self._table.c.master_account_id == master_account_id

    def _with_contact_name(self) -> Select[Any]:
        return select(self._table, CONTACT_NAME).join(
            contacts, contacts.c.id == self._table.c.contact_id
        )

    async def get(
        self,
        master_account_id: str,
        record_id: UUID,
        *,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> RecordT | None:
        """The record, or None when the master has no such record about a contact in ``reach``."""
        statement = self._with_contact_name().where(
            self._of_master(master_account_id),
            self._table.c.id == record_id,
            *reach_conditions(reach, master_account_id),
        )
        if for_update:
            statement = statement.with_for_update(of=self._table)
        row = (await self._session.execute(statement)).first()
        return self.mapping.record_of(row) if row else None

    async def add(self, record: RecordT) -> None:
        """Every column of the new row is the record's field of that name."""
        values = {column.name: getattr(record, column.name) for column in self._table.columns}
        await self._session.execute(self._table.insert().values(**values))

    async def save(self, record: RecordT) -> None:
        await self._session.execute(
            update(self._table)
            .where(self._of_master(record.master_account_id), self._table.c.id == record.id)
            .values(**{name: getattr(record, name) for name in self.mapping.changeable})
        )

    async def delete(self, master_account_id: str, record_id: UUID) -> bool:
        result = await self._session.execute(
            delete(self._table).where(
                self._of_master(master_account_id), self._table.c.id == record_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def page(
        self, master_account_id: str, where: FilterT, page: PageRequest, reach: Reach = EVERYTHING
    ) -> Listed[RecordT]:
        """A page of the master's records about contacts in ``reach``, and how many match."""
        reached = reach_conditions(reach, master_account_id)
        scope = [self._of_master(master_account_id), *self.mapping.conditions(where), *reached]
        counted = self._table.join(contacts, contacts.c.id == self._table.c.contact_id)
        total = await self._session.scalar(
            select(func.count()).select_from(counted if reached else self._table).where(*scope)
        )
        statement = (
            self._with_contact_name()
            .where(*scope)
            .order_by(*self.mapping.order_by(where), self._table.c.id)
            .limit(page.size)
            .offset(page.offset)
        )
        rows = (await self._session.execute(statement)).all()
        return Listed([self.mapping.record_of(row) for row in rows], int(total or 0))

    async def reassign(
        self, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID, *, contact_name: str
    ) -> list[RecordT]:
        """Move the records of the ``from_ids`` contacts to ``to_id`` (version + 1); the moved
        records as they are now, oldest first."""
        rows = await self._session.execute(
            update(self._table)
            .where(self._of_master(master_account_id), self._table.c.contact_id.in_(from_ids))
            .values(contact_id=to_id, version=self._table.c.version + 1)
            .returning(*self._table.c)
        )
        moved = [self.mapping.record_of(row, contact_name=contact_name) for row in rows.all()]
        return sorted(moved, key=lambda record: (record.created_at, str(record.id)))


class SqlRecordContacts:
    """The contacts as their records see them: a contact's name, and moving its records."""

    def __init__(
        self, session: AsyncSession, kinds: Sequence[SqlRecordRepository[Any, Any]]
    ) -> None:
        self._session = session
        self._kinds = kinds

    async def name_of(
        self, master_account_id: str, contact_id: UUID, reach: Reach = EVERYTHING
    ) -> str | None:
        """The contact's display name, or None when the master has no such contact in
        ``reach``."""
        row = (
            await self._session.execute(
                select(contacts.c.first_name, contacts.c.last_name).where(
                    contacts.c.master_account_id == master_account_id,
                    contacts.c.id == contact_id,
                    *reach_conditions(reach, master_account_id),
                )
            )
        ).first()
        return f"{row.first_name} {row.last_name}" if row else None

    async def move_records(
        self, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
    ) -> list[Record]:
        """Move every record of the ``from_ids`` contacts to ``to_id`` (a contact of the same
        master, loaded by the caller), each kind after the other, oldest first within a kind."""
        sources = [contact_id for contact_id in from_ids if contact_id != to_id]
        if not sources:
            return []
        name = await self.name_of(master_account_id, to_id) or ""
        moved: list[Record] = []
        for kind in self._kinds:
            moved += await kind.reassign(master_account_id, sources, to_id, contact_name=name)
        return moved
