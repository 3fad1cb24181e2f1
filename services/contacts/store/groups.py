"""Groups, households and household forms: tables and queries, always scoped to one master.

``reassign_contact`` is used by the merge of duplicates (C6): it moves the memberships of the
merged contacts to the kept one inside the merge's transaction and publishes the changed groups
and households through the outbox of that same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.accounts import ApplicationStage
from contracts.contacts import ContactKind
from contracts.crm import GroupVisibility
from services.contacts.domain.groups import Group
from services.contacts.domain.households import MIN_MEMBERS, Candidate, Household
from services.contacts.store.invitations import reassign_invitations
from services.contacts.store.tables import contacts, metadata
from services.runtime import outbox

groups = Table(
    "groups",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("owner_user_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_groups_master_visibility_owner", "master_account_id", "visibility", "owner_user_id"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", PgUUID(as_uuid=True), ForeignKey("groups.id", ondelete="CASCADE")),
    Column("contact_id", PgUUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE")),
    Column("master_account_id", String(32), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("group_id", "contact_id", name="pk_group_members"),
    Index("ix_group_members_contact", "contact_id"),
)

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


# --- groups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    group: Group
    member_count: int
    created_at: datetime


def _to_group(row: Any) -> Group:
    return Group(
        id=row.id,
        master_account_id=row.master_account_id,
        name=row.name,
        visibility=GroupVisibility(row.visibility),
        owner_user_id=row.owner_user_id,
        version=row.version,
    )


def visible_to(user_id: str) -> Any:
    """The condition on ``groups`` of the groups a user of the master may see."""
    return or_(
        groups.c.visibility == GroupVisibility.PUBLIC.value, groups.c.owner_user_id == user_id
    )


def visible_group_members(master_account_id: str, user_id: str, group_id: UUID) -> Any:
    """The contact ids of a group's members, empty unless the user may see the group."""
    return (
        select(group_members.c.contact_id)
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(
            groups.c.id == group_id,
            groups.c.master_account_id == master_account_id,
            group_members.c.master_account_id == master_account_id,
            visible_to(user_id),
        )
    )


class GroupStore:
    def __init__(self, session: AsyncSession, master_account_id: str) -> None:
        self._session = session
        self._master = master_account_id

    async def visible(self, user_id: str, *, group_id: UUID | None = None) -> list[GroupSummary]:
        """The groups the user sees (or that one of them), by name, with their member counts."""
        count = (
            select(func.count())
            .where(group_members.c.group_id == groups.c.id)
            .scalar_subquery()
            .label("member_count")
        )
        statement = select(groups, count).where(
            groups.c.master_account_id == self._master, visible_to(user_id)
        )
        if group_id is not None:
            statement = statement.where(groups.c.id == group_id)
        rows = await self._session.execute(
            statement.order_by(func.lower(groups.c.name), groups.c.id)
        )
        return [GroupSummary(_to_group(row), row.member_count, row.created_at) for row in rows]

    async def get(self, group_id: UUID, *, for_update: bool = False) -> Group | None:
        statement = select(groups).where(
            groups.c.id == group_id, groups.c.master_account_id == self._master
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return _to_group(row) if row else None

    async def named(self, name: str, user_id: str, *, other_than: UUID | None = None) -> bool:
        """Whether the user already sees a group of that name (case-insensitive)."""
        statement = select(groups.c.id).where(
            groups.c.master_account_id == self._master,
            func.lower(groups.c.name) == name.lower(),
            visible_to(user_id),
        )
        if other_than is not None:
            statement = statement.where(groups.c.id != other_than)
        return (await self._session.scalar(statement.limit(1))) is not None

    async def add(self, group: Group) -> None:
        await self._session.execute(groups.insert().values(**_group_values(group)))

    async def save(self, group: Group) -> None:
        await self._session.execute(
            groups.update()
            .where(groups.c.id == group.id, groups.c.master_account_id == self._master)
            .values(**_group_values(group), updated_at=func.now())
        )

    async def remove(self, group_id: UUID) -> None:
        await self._session.execute(
            delete(groups).where(
                groups.c.id == group_id, groups.c.master_account_id == self._master
            )
        )

    async def member_ids(self, group_id: UUID) -> set[UUID]:
        rows = await self._session.scalars(
            select(group_members.c.contact_id).where(
                group_members.c.group_id == group_id,
                group_members.c.master_account_id == self._master,
            )
        )
        return set(rows)

    async def add_members(self, group_id: UUID, contact_ids: Sequence[UUID], by: str) -> None:
        if not contact_ids:
            return
        values = [
            {"group_id": group_id, "contact_id": contact_id, "master_account_id": self._master,
             "added_by": by}
            for contact_id in contact_ids
        ]  # fmt: skip
        await self._session.execute(insert(group_members).values(values).on_conflict_do_nothing())

    async def remove_members(self, group_id: UUID, contact_ids: Sequence[UUID]) -> None:
        if not contact_ids:
            return
        await self._session.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id,
                group_members.c.master_account_id == self._master,
                group_members.c.contact_id.in_(contact_ids),
            )
        )


def _group_values(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "master_account_id": group.master_account_id,
        "name": group.name,
        "visibility": group.visibility.value,
        "owner_user_id": group.owner_user_id,
        "version": group.version,
    }


async def existing_contact_ids(
    session: AsyncSession, master_account_id: str, contact_ids: Sequence[UUID]
) -> set[UUID]:
    """Those of ``contact_ids`` that are contacts of the master."""
    if not contact_ids:
        return set()
    rows = await session.scalars(
        select(contacts.c.id).where(
            contacts.c.master_account_id == master_account_id, contacts.c.id.in_(contact_ids)
        )
    )
    return set(rows)


# --- households ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormInfo:
    version: int
    household_version: int
    generated_at: datetime
    generated_by: str


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


class HouseholdStore:
    def __init__(self, session: AsyncSession, master_account_id: str) -> None:
        self._session = session
        self._master = master_account_id

    async def get(self, household_id: UUID, *, for_update: bool = False) -> Household | None:
        statement = select(households).where(
            households.c.id == household_id,
            households.c.master_account_id == self._master,
            households.c.dissolved_at.is_(None),
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        return _to_household(row, await self._member_ids(household_id))

    async def active(self) -> list[Household]:
        rows = (
            await self._session.execute(
                select(households)
                .where(
                    households.c.master_account_id == self._master,
                    households.c.dissolved_at.is_(None),
                )
                .order_by(func.lower(households.c.name), households.c.id)
            )
        ).all()
        members = await self._members_of([row.id for row in rows])
        return [_to_household(row, members.get(row.id, [])) for row in rows]

    async def _member_ids(self, household_id: UUID) -> list[UUID]:
        return (await self._members_of([household_id])).get(household_id, [])

    async def _members_of(self, household_ids: list[UUID]) -> dict[UUID, list[UUID]]:
        if not household_ids:
            return {}
        rows = await self._session.execute(
            select(household_members.c.household_id, household_members.c.contact_id).where(
                household_members.c.master_account_id == self._master,
                household_members.c.household_id.in_(household_ids),
            )
        )
        found: dict[UUID, list[UUID]] = {}
        for household_id, contact_id in rows:
            found.setdefault(household_id, []).append(contact_id)
        return found

    async def candidates(self, contact_ids: Sequence[UUID]) -> list[Candidate]:
        """The facts the household rules need about these contacts of the master."""
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
            .where(contacts.c.master_account_id == self._master, contacts.c.id.in_(contact_ids))
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
        await self._session.execute(
            households.insert().values(
                id=household.id,
                master_account_id=self._master,
                name=household.name,
                head_contact_id=household.head_contact_id,
                version=household.version,
                created_by=created_by,
            )
        )
        await self._set_members(household.id, household.member_ids)

    async def save(self, household: Household) -> None:
        """Write the household's name, head, version and members (all of them)."""
        await self._session.execute(
            households.update()
            .where(households.c.id == household.id, households.c.master_account_id == self._master)
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
                household_members.c.master_account_id == self._master,
            )
        )
        if not household.dissolved:
            await self._set_members(household.id, household.member_ids)

    async def _set_members(self, household_id: UUID, member_ids: Sequence[UUID]) -> None:
        await self._session.execute(
            household_members.insert().values(
                [
                    {"household_id": household_id, "contact_id": contact_id,
                     "master_account_id": self._master}
                    for contact_id in member_ids
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
                household_forms.c.master_account_id == self._master,
            )
        )
        version = int(latest or 0) + 1
        await self._session.execute(
            household_forms.insert().values(
                household_id=household.id,
                master_account_id=self._master,
                version=version,
                household_version=household.version,
                generated_at=generated_at,
                generated_by=generated_by,
                pdf=pdf,
            )
        )
        return version

    async def forms(self, household_id: UUID) -> list[FormInfo]:
        rows = await self._session.execute(
            select(
                household_forms.c.version,
                household_forms.c.household_version,
                household_forms.c.generated_at,
                household_forms.c.generated_by,
            )
            .where(
                household_forms.c.household_id == household_id,
                household_forms.c.master_account_id == self._master,
            )
            .order_by(household_forms.c.version.desc())
        )
        return [FormInfo(*row) for row in rows]

    async def form_pdf(self, household_id: UUID, version: int) -> bytes | None:
        """A form of a household of the master (dissolved households' forms stay readable)."""
        pdf: bytes | None = await self._session.scalar(
            select(household_forms.c.pdf).where(
                household_forms.c.household_id == household_id,
                household_forms.c.master_account_id == self._master,
                household_forms.c.version == version,
            )
        )
        return pdf


# --- merging duplicates -------------------------------------------------------------------


async def reassign_contact(
    session: AsyncSession, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
) -> int:
    """Move the group and household memberships of ``from_ids`` to ``to_id``.

    No membership is duplicated; a merged head of household hands the role to the kept contact.
    A household left with fewer than two members is dissolved. Each changed group and household
    gets version + 1 and its whole state published through the outbox of the caller's
    transaction. The merged contacts' invitations follow too (their history is kept).
    Returns the number of memberships moved or folded into the kept contact's.
    """
    sources = [contact_id for contact_id in dict.fromkeys(from_ids) if contact_id != to_id]
    if not sources:
        return 0
    if not await existing_contact_ids(session, master_account_id, [to_id]):
        raise ValueError("the kept contact is not a contact of this master account")
    moved = await _reassign_groups(session, master_account_id, sources, to_id)
    moved += await _reassign_households(session, master_account_id, sources, to_id)
    await reassign_invitations(session, master_account_id, sources, to_id)
    return moved


async def _reassign_groups(
    session: AsyncSession, master: str, sources: list[UUID], to_id: UUID
) -> int:
    scoped = and_(
        group_members.c.master_account_id == master, group_members.c.contact_id.in_(sources)
    )
    rows = (
        await session.execute(
            select(group_members.c.group_id, group_members.c.added_by).where(scoped)
        )
    ).all()
    if not rows:
        return 0
    added_by = {group_id: by for group_id, by in rows}
    await session.execute(
        insert(group_members)
        .values(
            [
                {
                    "group_id": group_id,
                    "contact_id": to_id,
                    "master_account_id": master,
                    "added_by": by,
                }
                for group_id, by in added_by.items()
            ]
        )
        .on_conflict_do_nothing()
    )
    await session.execute(delete(group_members).where(scoped))
    store = GroupStore(session, master)
    for group_id in sorted(added_by, key=str):
        group = await store.get(group_id, for_update=True)
        if group is None:
            continue
        group.version += 1
        await store.save(group)
        event = group.changed_event(await store.member_ids(group_id))
        await outbox.add(session, topics.CRM_RECORDS.name, event, master_account_id=master)
    return len(rows)


async def _reassign_households(
    session: AsyncSession, master: str, sources: list[UUID], to_id: UUID
) -> int:
    rows = (
        await session.execute(
            select(household_members.c.household_id, household_members.c.contact_id).where(
                household_members.c.master_account_id == master,
                household_members.c.contact_id.in_([*sources, to_id]),
            )
        )
    ).all()
    kept_in = next((household for household, contact in rows if contact == to_id), None)
    affected = sorted({household for household, contact in rows if contact != to_id}, key=str)
    if not affected:
        return 0
    store = HouseholdStore(session, master)
    for household_id in affected:
        household = await store.get(household_id, for_update=True)
        if household is None:
            continue
        was_head = household.head_contact_id in sources
        household.member_ids = [cid for cid in household.member_ids if cid not in sources]
        if kept_in is None:  # the kept contact takes the merged one's place
            household.member_ids.append(to_id)
            kept_in = household_id
        if to_id in household.member_ids and was_head:
            household.head_contact_id = to_id
        elif household.head_contact_id not in household.member_ids:
            household.head_contact_id = None
        household.dissolved = len(household.member_ids) < MIN_MEMBERS
        household.version += 1
        await store.save(household)
        await outbox.add(
            session,
            topics.CRM_RECORDS.name,
            household.changed_event(),
            master_account_id=master,
        )
    return len(rows) - (1 if any(contact == to_id for _, contact in rows) else 0)
