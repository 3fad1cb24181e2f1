"""What staging knows of other services' records, kept from their events (one statement per
batch, the newest version wins): which master owns which account, group members for client
scopes, each master's time zone; and the scope predicate over them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict

from sqlalchemy import ColumnElement, String, any_, bindparam, or_, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.staging.domain.holds import ClientState, GroupMembers, MasterZone
from services.staging.store.tables import clients, group_members, group_versions, master_zones

_UUIDS = ARRAY(PgUUID(as_uuid=True))
_TEXTS = ARRAY(String())


def within(scope: ClientScope) -> ColumnElement[bool]:
    """The clients a scope reaches: no predicate for all clients; else the accounts it names or
    the members of the groups it names (now)."""
    if scope.all_clients:
        return true()
    reached: list[ColumnElement[bool]] = []
    if scope.account_numbers:
        accounts = bindparam("scope_accounts", sorted(scope.account_numbers), type_=_TEXTS)
        reached.append(clients.c.account_number == any_(accounts))
    if scope.group_ids:
        groups = bindparam("scope_groups", sorted(scope.group_ids), type_=_UUIDS)
        members = select(group_members.c.contact_id).where(group_members.c.group_id == any_(groups))
        reached.append(clients.c.contact_id.in_(members))
    return or_(*reached) if reached else clients.c.contact_id.is_(None)


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, states: Sequence[ClientState]) -> None:
        """Keep each contact's newest state; ``states`` holds at most one per contact."""
        if not states:
            return
        statement = insert(clients).values([asdict(state) for state in states])
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[clients.c.contact_id],
                set_={n: statement.excluded[n] for n in asdict(states[0]) if n != "contact_id"},
                where=(clients.c.version < statement.excluded.version)
                | (statement.excluded.removed & ~clients.c.removed),
            )
        )

    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]:
        """Account number -> the master owning it, for the accounts staging knows."""
        if not accounts:
            return {}
        numbers = bindparam("numbers", sorted(set(accounts)), type_=_TEXTS)
        rows = await self._session.execute(
            select(clients.c.account_number, clients.c.master_account_id).where(
                clients.c.account_number == any_(numbers), clients.c.removed.is_(False)
            )
        )
        return {row.account_number: row.master_account_id for row in rows}

    async def reached(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> dict[str, str]:
        """Those of ``accounts`` the scope reaches -> the client's name."""
        if not accounts:
            return {}
        numbers = bindparam("numbers", sorted(set(accounts)), type_=_TEXTS)
        rows = await self._session.execute(
            select(clients.c.account_number, clients.c.name).where(
                clients.c.master_account_id == master_account_id,
                clients.c.account_number == any_(numbers),
                clients.c.removed.is_(False),
                within(scope),
            )
        )
        return {row.account_number: row.name for row in rows}


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


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, groups: Sequence[GroupMembers]) -> None:
        """Keep each group's newest members; ``groups`` holds at most one state per group."""
        if not groups:
            return
        statement = insert(group_versions).values(
            [{"group_id": g.group_id, "master_account_id": g.master_account_id,
              "version": g.version, "deleted": g.deleted} for g in groups]
        )  # fmt: skip
        advanced = set(
            await self._session.scalars(
                statement.on_conflict_do_update(
                    index_elements=[group_versions.c.group_id],
                    set_={n: statement.excluded[n]
                          for n in ("master_account_id", "version", "deleted")},
                    where=group_versions.c.version < statement.excluded.version,
                ).returning(group_versions.c.group_id)
            )
        )  # fmt: skip
        if not advanced:
            return
        pairs = [(g.group_id, m) for g in groups if g.group_id in advanced
                 for m in g.member_contact_ids]  # fmt: skip
        members = {"member_groups": [g for g, _ in pairs], "members": [m for _, m in pairs]}
        await self._session.execute(_DROP_FORMER_MEMBERS, {"groups": list(advanced), **members})
        if pairs:
            await self._session.execute(_ADD_MEMBERS, members)


class MasterZoneRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, zones: Sequence[MasterZone]) -> None:
        if not zones:
            return
        statement = insert(master_zones).values([asdict(zone) for zone in zones])
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[master_zones.c.master_account_id],
                set_={"time_zone": statement.excluded.time_zone,
                      "changed_at": statement.excluded.changed_at},
                where=master_zones.c.changed_at < statement.excluded.changed_at,
            )
        )  # fmt: skip

    async def of(self, masters: Collection[str]) -> dict[str, str]:
        """Master -> its IANA zone name, for the masters announced."""
        if not masters:
            return {}
        ids = bindparam("masters", sorted(set(masters)), type_=_TEXTS)
        rows = await self._session.execute(
            select(master_zones.c.master_account_id, master_zones.c.time_zone).where(
                master_zones.c.master_account_id == any_(ids)
            )
        )
        return {row[0]: row[1] for row in rows}
