"""The group members read model: each group's members as of its newest version."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.analytics.domain.statistics import GroupMembers
from services.analytics.store.tables import group_versions

_UUIDS = ARRAY(PgUUID(as_uuid=True))

# A group of 100,000 members is two array parameters, not 200,000 bind parameters; only the
# members that changed are written (a whole-state event usually adds or removes a few).
_DROP_FORMER_MEMBERS = text(
    """
    DELETE FROM group_members AS m
    WHERE m.group_id = ANY(CAST(:groups AS uuid[]))
      AND NOT EXISTS (
        SELECT 1 FROM unnest(CAST(:member_groups AS uuid[]), CAST(:members AS uuid[]))
                      AS n(group_id, contact_id)
        WHERE n.group_id = m.group_id AND n.contact_id = m.contact_id)
    """
).bindparams(
    bindparam("groups", type_=_UUIDS),
    bindparam("member_groups", type_=_UUIDS),
    bindparam("members", type_=_UUIDS),
)
_ADD_MEMBERS = text(
    """
    INSERT INTO group_members (group_id, contact_id)
    SELECT * FROM unnest(CAST(:member_groups AS uuid[]), CAST(:members AS uuid[]))
    ON CONFLICT DO NOTHING
    """
).bindparams(bindparam("member_groups", type_=_UUIDS), bindparam("members", type_=_UUIDS))


class GroupMemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, groups: Sequence[GroupMembers]) -> None:
        """Keep each group's newest members; ``groups`` holds at most one state per group."""
        if not groups:
            return
        statement = insert(group_versions).values(
            [
                {
                    "group_id": g.group_id,
                    "master_account_id": g.master_account_id,
                    "version": g.version,
                    "deleted": g.deleted,
                }
                for g in groups
            ]
        )
        advanced = set(
            await self._session.scalars(
                statement.on_conflict_do_update(
                    index_elements=[group_versions.c.group_id],
                    set_={
                        name: statement.excluded[name]
                        for name in ("master_account_id", "version", "deleted")
                    },
                    where=group_versions.c.version < statement.excluded.version,
                ).returning(group_versions.c.group_id)
            )
        )
        if not advanced:
            return  # every state was older than the one kept
        pairs = [
            (g.group_id, member)
            for g in groups
            if g.group_id in advanced
            for member in g.member_contact_ids
        ]
        members = {
            "member_groups": [group for group, _ in pairs],
            "members": [member for _, member in pairs],
        }
        await self._session.execute(_DROP_FORMER_MEMBERS, {"groups": list(advanced), **members})
        if pairs:
            await self._session.execute(_ADD_MEMBERS, members)
