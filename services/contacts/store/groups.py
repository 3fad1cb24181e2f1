"""Groups and their members: queries, always scoped to one master account (the tables are in
``group_tables.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.crm import GroupVisibility
from services.contacts.domain.groups import Group, GroupMembership, GroupSummary
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.group_tables import group_members, groups
from services.contacts.store.scope import reached_ids


def _to_group(row: Any) -> Group:
    return Group(
        id=row.id,
        master_account_id=row.master_account_id,
        name=row.name,
        visibility=GroupVisibility(row.visibility),
        owner_user_id=row.owner_user_id,
        version=row.version,
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


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def visible(
        self,
        user_id: str,
        *,
        master_account_id: str,
        group_id: UUID | None = None,
        reach: Reach = EVERYTHING,
    ) -> list[GroupSummary]:
        """The groups the user sees (or that one of them), by name, with their member counts
        (the members within ``reach``)."""
        members = select(func.count()).where(group_members.c.group_id == groups.c.id)
        reached = reached_ids(reach, master_account_id)
        if reached is not None:
            members = members.where(group_members.c.contact_id.in_(reached))
        count = members.scalar_subquery().label("member_count")
        statement = select(groups, count).where(
            groups.c.master_account_id == master_account_id, visible_to(user_id)
        )
        if group_id is not None:
            statement = statement.where(groups.c.id == group_id)
        rows = await self._session.execute(
            statement.order_by(func.lower(groups.c.name), groups.c.id)
        )
        return [GroupSummary(_to_group(row), row.member_count, row.created_at) for row in rows]

    async def get(
        self, group_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Group | None:
        statement = select(groups).where(
            groups.c.id == group_id, groups.c.master_account_id == master_account_id
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return _to_group(row) if row else None

    async def named(
        self, name: str, user_id: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool:
        """Whether the user already sees a group of that name (case-insensitive)."""
        statement = select(groups.c.id).where(
            groups.c.master_account_id == master_account_id,
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
            .where(groups.c.id == group.id, groups.c.master_account_id == group.master_account_id)
            .values(**_group_values(group), updated_at=func.now())
        )

    async def remove(self, group: Group) -> None:
        await self._session.execute(
            delete(groups).where(
                groups.c.id == group.id, groups.c.master_account_id == group.master_account_id
            )
        )

    async def member_ids(self, group_id: UUID, *, master_account_id: str) -> set[UUID]:
        rows = await self._session.scalars(
            select(group_members.c.contact_id).where(
                group_members.c.group_id == group_id,
                group_members.c.master_account_id == master_account_id,
            )
        )
        return set(rows)

    async def memberships_of(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> list[GroupMembership]:
        """Every group membership of these contacts."""
        rows = await self._session.execute(
            select(
                group_members.c.group_id, group_members.c.contact_id, group_members.c.added_by
            ).where(
                group_members.c.master_account_id == master_account_id,
                group_members.c.contact_id.in_(contact_ids),
            )
        )
        return [GroupMembership(*row) for row in rows]

    async def add_members(
        self, memberships: Sequence[GroupMembership], *, master_account_id: str
    ) -> None:
        """Add the memberships (one statement); one that exists already is left as it is."""
        if not memberships:
            return
        values = [
            {"group_id": m.group_id, "contact_id": m.contact_id,
             "master_account_id": master_account_id, "added_by": m.added_by}
            for m in memberships
        ]  # fmt: skip
        await self._session.execute(insert(group_members).values(values).on_conflict_do_nothing())

    async def remove_members(
        self, group_id: UUID, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None:
        if not contact_ids:
            return
        await self._session.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id,
                group_members.c.master_account_id == master_account_id,
                group_members.c.contact_id.in_(contact_ids),
            )
        )

    async def remove_from_every_group(
        self, contact_ids: Sequence[UUID], *, master_account_id: str
    ) -> None:
        await self._session.execute(
            delete(group_members).where(
                group_members.c.master_account_id == master_account_id,
                group_members.c.contact_id.in_(contact_ids),
            )
        )
