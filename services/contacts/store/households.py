"""Households, their members and their forms to sign: tables and queries, always scoped to one
master account."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.households import Candidate, FormInfo, Household, MemberTaken
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.scope import reach_conditions, reached_ids
from services.contacts.store.tables import contacts, metadata

households = Table(
    "households",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("head_contact_id", PgUUID(as_uuid=True), ForeignKey("contacts.id", ondelete="SET NULL")),
    Column("version", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("dissolved_at", DateTime(timezone=True)),
    Index("ix_households_master", "master_account_id"),
)

household_members = Table(
    "household_members",
    metadata,
    Column("household_id", PgUUID(as_uuid=True), ForeignKey("households.id", ondelete="CASCADE")),
    Column("contact_id", PgUUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE")),
    Column("master_account_id", String(32), nullable=False),
    PrimaryKeyConstraint("household_id", "contact_id", name="pk_household_members"),
    # a contact belongs to at most one household
    UniqueConstraint("contact_id", name="uq_household_members_contact_id"),
)

household_forms = Table(
    "household_forms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "household_id",
        PgUUID(as_uuid=True),
        ForeignKey("households.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("master_account_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("household_version", Integer, nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("generated_by", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    UniqueConstraint("household_id", "version", name="uq_household_forms_household_version"),
)


def _to_household(row: Any, member_ids: list[UUID]) -> Household:
    return Household(
        id=row.id,
        master_account_id=row.master_account_id,
        name=row.name,
        head_contact_id=row.head_contact_id,
        member_ids=member_ids,
        version=row.version,
        dissolved=row.dissolved_at is not None,
    )


def _wholly_within(reach: Reach, master_account_id: str) -> list[ColumnElement[bool]]:
    """The condition on ``households`` that every member is within ``reach`` (a household's page
    and form show every member: a household is reached whole or not at all)."""
    reached = reached_ids(reach, master_account_id)
    if reached is None:
        return []
    outside = exists().where(
        household_members.c.household_id == households.c.id,
        household_members.c.contact_id.not_in(reached),
    )
    return [~outside]


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(
        self,
        household_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Household | None:
        """A household of the master that is not dissolved, whose members are all within
        ``reach``."""
        statement = select(households).where(
            households.c.id == household_id,
            households.c.master_account_id == master_account_id,
            households.c.dissolved_at.is_(None),
            *_wholly_within(reach, master_account_id),
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        members = await self._members_of([household_id], master_account_id)
        return _to_household(row, members.get(household_id, []))

    async def active(self, *, master_account_id: str, reach: Reach = EVERYTHING) -> list[Household]:
        """The master's households that are not dissolved, whose members are all within
        ``reach``."""
        rows = (
            await self._session.execute(
                select(households)
                .where(
                    households.c.master_account_id == master_account_id,
                    households.c.dissolved_at.is_(None),
                    *_wholly_within(reach, master_account_id),
                )
                .order_by(func.lower(households.c.name), households.c.id)
            )
        ).all()
        members = await self._members_of([row.id for row in rows], master_account_id)
        return [_to_household(row, members.get(row.id, [])) for row in rows]

    async def _members_of(
        self, household_ids: list[UUID], master_account_id: str
    ) -> dict[UUID, list[UUID]]:
        if not household_ids:
            return {}
        rows = await self._session.execute(
            select(household_members.c.household_id, household_members.c.contact_id).where(
                household_members.c.master_account_id == master_account_id,
                household_members.c.household_id.in_(household_ids),
            )
        )
        found: dict[UUID, list[UUID]] = {}
        for household_id, contact_id in rows:
            found.setdefault(household_id, []).append(contact_id)
        return found

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[tuple[UUID, UUID]]:
        """(household id, contact id) of these contacts' memberships."""
        rows = await self._session.execute(
            select(household_members.c.household_id, household_members.c.contact_id).where(
                household_members.c.master_account_id == master_account_id,
                household_members.c.contact_id.in_(contact_ids),
            )
        )
        return [(household_id, contact_id) for household_id, contact_id in rows]

    async def candidates(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> list[Candidate]:
        """The facts the household rules need about these contacts of the master within
        ``reach`` (any other is left out: not found)."""
        if not contact_ids:
            return []
        rows = await self._session.execute(
            select(
                contacts.c.id,
                contacts.c.first_name,
                contacts.c.last_name,
                contacts.c.kind,
                contacts.c.closed,
                contacts.c.account_number,
                contacts.c.status,
                household_members.c.household_id,
            )
            .outerjoin(household_members, household_members.c.contact_id == contacts.c.id)
            .where(
                contacts.c.master_account_id == master_account_id,
                contacts.c.id.in_(contact_ids),
                *reach_conditions(reach, master_account_id),
            )
        )
        return [
            Candidate(
                contact_id=row.id,
                name=f"{row.first_name} {row.last_name}",
                kind=ContactKind(row.kind),
                closed=row.closed,
                account_number=row.account_number,
                household_id=row.household_id,
                status=ApplicationStage(row.status) if row.status else None,
            )
            for row in rows
        ]

    async def add(self, household: Household, *, created_by: str) -> None:
        """Insert the household and its members; ``MemberTaken`` when a member joined another
        household meanwhile (nothing is written then)."""
        async with self._claiming_members():
            await self._lock_members(household)
            await self._session.execute(
                households.insert().values(
                    id=household.id,
                    master_account_id=household.master_account_id,
                    name=household.name,
                    head_contact_id=household.head_contact_id,
                    version=household.version,
                    created_by=created_by,
                )
            )
            await self._set_members(household)

    async def save(self, household: Household, *, new_members: bool = False) -> None:
        """Write the household's name, head, version and members (all of them). With
        ``new_members`` (members may have been added), ``MemberTaken`` when one of them joined
        another household meanwhile (nothing is written then)."""
        if new_members:
            async with self._claiming_members():
                await self._write(household)
        else:
            await self._write(household)

    async def _write(self, household: Household) -> None:
        await self._lock_members(household)
        await self._session.execute(
            households.update()
            .where(
                households.c.id == household.id,
                households.c.master_account_id == household.master_account_id,
            )
            .values(
                name=household.name,
                head_contact_id=household.head_contact_id,
                version=household.version,
                updated_at=func.now(),
                dissolved_at=func.now() if household.dissolved else None,
            )
        )
        await self._session.execute(
            delete(household_members).where(
                household_members.c.household_id == household.id,
                household_members.c.master_account_id == household.master_account_id,
            )
        )
        if not household.dissolved:
            await self._set_members(household)

    @asynccontextmanager
    async def _claiming_members(self) -> AsyncIterator[None]:
        """A savepoint around writing members: a contact that joined another household meanwhile
        breaks the one-household-per-contact constraint, and only this write is undone."""
        try:
            async with self._session.begin_nested():
                yield
        except IntegrityError as error:
            raise MemberTaken() from error

    async def _lock_members(self, household: Household) -> None:
        """Take the members' and the head's key-share locks first, in contact-id order: the
        foreign keys would take them row by row in the members' order, and the account-event
        batches, which lock contacts in id order, then deadlock with a household's write."""
        ids = sorted({*household.member_ids, *filter(None, [household.head_contact_id])})
        if ids:
            await self._session.execute(
                select(contacts.c.id)
                .where(contacts.c.id.in_(ids))
                .order_by(contacts.c.id)
                .with_for_update(key_share=True, read=True)
            )

    async def _set_members(self, household: Household) -> None:
        await self._session.execute(
            household_members.insert().values(
                [
                    {"household_id": household.id, "contact_id": contact_id,
                     "master_account_id": household.master_account_id}
                    for contact_id in household.member_ids
                ]
            )
        )  # fmt: skip

    async def add_form(
        self, household: Household, pdf: bytes, *, generated_at: datetime, generated_by: str
    ) -> int:
        """Store the form as the household's next version; returns that version."""
        latest = await self._session.scalar(
            select(func.max(household_forms.c.version)).where(
                household_forms.c.household_id == household.id,
                household_forms.c.master_account_id == household.master_account_id,
            )
        )
        version = int(latest or 0) + 1
        await self._session.execute(
            household_forms.insert().values(
                household_id=household.id,
                master_account_id=household.master_account_id,
                version=version,
                household_version=household.version,
                generated_at=generated_at,
                generated_by=generated_by,
                pdf=pdf,
            )
        )
        return version

    async def forms(self, household_id: UUID, *, master_account_id: str) -> list[FormInfo]:
        rows = await self._session.execute(
            select(
                household_forms.c.version,
                household_forms.c.household_version,
                household_forms.c.generated_at,
                household_forms.c.generated_by,
            )
            .where(
                household_forms.c.household_id == household_id,
                household_forms.c.master_account_id == master_account_id,
            )
            .order_by(household_forms.c.version.desc())
        )
        return [FormInfo(*row) for row in rows]

    async def form_pdf(
        self, household_id: UUID, version: int, *, master_account_id: str
    ) -> bytes | None:
        """A form of a household of the master (dissolved households' forms stay readable)."""
        pdf: bytes | None = await self._session.scalar(
            select(household_forms.c.pdf).where(
                household_forms.c.household_id == household_id,
                household_forms.c.master_account_id == master_account_id,
                household_forms.c.version == version,
            )
        )
        return pdf
