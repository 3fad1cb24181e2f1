"""What messaging knows about a master's clients, groups, households and users (read models kept
from events, one statement per batch), and the recipient queries over them (within the caller's
client scope)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.contacts import ContactKind
from services.messaging.domain.recipients import (
    ClientState,
    GroupState,
    HouseholdLink,
    HouseholdState,
    MasterProfile,
    MasterUser,
    Recipient,
)
from services.messaging.store.tables import (
    client_group_members,
    client_groups,
    clients,
    household_members,
    households,
    master_users,
    masters,
)

_UUIDS = ARRAY(PgUUID(as_uuid=True))
_TEXTS = ARRAY(String())


def within(scope: ClientScope) -> ColumnElement[bool]:
    """``domain.recipients.within_scope`` in SQL: no predicate for all clients; else the accounts
    the scope names, or the members of the groups it names (arrays: one prepared statement)."""
    if scope.all_clients:
        return true()
    reached: list[ColumnElement[bool]] = []
    if scope.account_numbers:
        accounts = bindparam("scope_accounts", sorted(scope.account_numbers), type_=_TEXTS)
        reached.append(clients.c.account_number == any_(accounts))
    if scope.group_ids:
        groups = bindparam("scope_groups", sorted(scope.group_ids), type_=_UUIDS)
        members = select(client_group_members.c.contact_id).where(
            client_group_members.c.group_id == any_(groups)
        )
        reached.append(clients.c.contact_id.in_(members))
    return or_(*reached) if reached else clients.c.contact_id.is_(None)  # reaches nothing


def _open_clients(master_account_id: str, scope: ClientScope) -> Select[Any]:
    return select(clients).where(
        clients.c.master_account_id == master_account_id,
        clients.c.kind == ContactKind.CLIENT.value,
        clients.c.closed.is_(False),
        clients.c.removed.is_(False),
        clients.c.account_number.is_not(None),
        within(scope),
    )


_ORDER = (
    func.lower(clients.c.last_name),
    func.lower(clients.c.first_name),
    clients.c.account_number,
    clients.c.contact_id,
)


def _recipient(row: Any) -> Recipient:
    return Recipient(
        contact_id=row.contact_id,
        account_number=row.account_number,
        first_name=row.first_name,
        last_name=row.last_name,
        title=row.title,
        email=row.email,
    )


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, states: Sequence[ClientState]) -> None:
        """Keep each contact's newest state; ``states`` holds at most one per contact."""
        if not states:
            return
        statement = insert(clients).values([asdict(state) for state in states])
        columns = [name for name in asdict(states[0]) if name != "contact_id"]
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[clients.c.contact_id],
                set_={name: statement.excluded[name] for name in columns},
                where=(clients.c.version < statement.excluded.version)
                | (statement.excluded.removed & ~clients.c.removed),
            )
        )

    async def open_clients(
        self,
        *,
        master_account_id: str,
        scope: ClientScope,
        account_numbers: Collection[str] = (),
        group_ids: Collection[UUID] = (),
        contact_ids: Collection[UUID] = (),
    ) -> list[Recipient]:
        """The master's open client accounts within ``scope`` that have one of the account
        numbers, belong to one of the groups or are one of the contacts."""
        chosen: list[ColumnElement[bool]] = []
        if account_numbers:
            numbers = bindparam("numbers", sorted(set(account_numbers)), type_=_TEXTS)
            chosen.append(clients.c.account_number == any_(numbers))
        if group_ids:
            groups = bindparam("groups", sorted(set(group_ids)), type_=_UUIDS)
            members = select(client_group_members.c.contact_id).where(
                client_group_members.c.group_id == any_(groups)
            )
            chosen.append(clients.c.contact_id.in_(members))
        if contact_ids:
            ids = bindparam("contacts", sorted(set(contact_ids)), type_=_UUIDS)
            chosen.append(clients.c.contact_id == any_(ids))
        if not chosen:
            return []
        rows = await self._session.execute(
            _open_clients(master_account_id, scope).where(or_(*chosen)).order_by(*_ORDER)
        )
        return [_recipient(row) for row in rows]

    async def page(
        self,
        *,
        master_account_id: str,
        scope: ClientScope,
        search: str | None,
        group_id: UUID | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[Recipient]]:
        """(how many match, one page of them): open client accounts within ``scope``, whose
        account number, name or title contains ``search``, members of ``group_id``."""
        query = _open_clients(master_account_id, scope)
        if search:
            pattern = _like(search)
            name = clients.c.first_name + " " + clients.c.last_name
            query = query.where(
                or_(
                    clients.c.account_number.ilike(pattern, escape="\\"),
                    name.ilike(pattern, escape="\\"),
                    clients.c.title.ilike(pattern, escape="\\"),
                )
            )
        if group_id is not None:
            query = query.where(
                clients.c.contact_id.in_(
                    select(client_group_members.c.contact_id).where(
                        client_group_members.c.group_id == group_id
                    )
                )
            )
        total = await self._session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._session.execute(query.order_by(*_ORDER).offset(offset).limit(limit))
        return int(total or 0), [_recipient(row) for row in rows]


# Members of groups and households: a group of 100,000 is two array parameters, and only the
# members that changed are written (a whole-state event usually adds or removes a few).
def _drop_former(table: Table, key: str) -> Any:
    return text(
        f"""
        DELETE FROM {table.name} AS m
        WHERE m.{key} = ANY(CAST(:owners AS uuid[]))
          AND NOT EXISTS (
            SELECT 1 FROM unnest(CAST(:member_owners AS uuid[]), CAST(:members AS uuid[]))
                          AS n(owner, contact_id)
            WHERE n.owner = m.{key} AND n.contact_id = m.contact_id)
        """  # noqa: S608 - table and column names are constants
    ).bindparams(
        bindparam("owners", type_=_UUIDS),
        bindparam("member_owners", type_=_UUIDS),
        bindparam("members", type_=_UUIDS),
    )


def _add_members(table: Table, key: str) -> Any:
    return text(
        f"""
        INSERT INTO {table.name} ({key}, contact_id)
        SELECT * FROM unnest(CAST(:member_owners AS uuid[]), CAST(:members AS uuid[]))
        ON CONFLICT DO NOTHING
        """  # noqa: S608 - table and column names are constants
    ).bindparams(bindparam("member_owners", type_=_UUIDS), bindparam("members", type_=_UUIDS))


async def _keep_newest(
    session: AsyncSession,
    versions: Table,
    members: Table,
    key: str,
    rows: list[dict[str, Any]],
    member_ids: dict[UUID, tuple[UUID, ...]],
) -> None:
    """Upsert the versions (an older one changes nothing), then replace the members of those
    that advanced."""
    if not rows:
        return
    statement = insert(versions).values(rows)
    advanced = set(
        await session.scalars(
            statement.on_conflict_do_update(
                index_elements=[versions.c[key]],
                set_={name: statement.excluded[name] for name in rows[0] if name != key},
                where=versions.c.version < statement.excluded.version,
            ).returning(versions.c[key])
        )
    )
    if not advanced:
        return
    pairs = [(owner, member) for owner in advanced for member in member_ids[owner]]
    bound = {"member_owners": [o for o, _ in pairs], "members": [m for _, m in pairs]}
    await session.execute(_drop_former(members, key), {"owners": list(advanced), **bound})
    if pairs:
        await session.execute(_add_members(members, key), bound)


class ClientGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, groups: Sequence[GroupState]) -> None:
        """Keep each group's newest state and members; at most one state per group."""
        rows = [
            {"group_id": g.group_id, "master_account_id": g.master_account_id, "name": g.name,
             "visibility": g.visibility, "owner_user_id": g.owner_user_id, "deleted": g.deleted,
             "version": g.version}
            for g in groups
        ]  # fmt: skip
        members = {g.group_id: g.member_contact_ids for g in groups}
        await _keep_newest(
            self._session, client_groups, client_group_members, "group_id", rows, members
        )

    async def visible(
        self, *, master_account_id: str, user_id: str, scope: ClientScope
    ) -> list[tuple[UUID, str, str, int]]:
        """(group id, name, visibility, open client accounts within ``scope``) of the master's
        groups the user sees (public, or their own private ones), by name."""
        counted = (
            select(func.count())
            .select_from(client_group_members.join(clients, clients.c.contact_id == client_group_members.c.contact_id))
            .where(
                client_group_members.c.group_id == client_groups.c.group_id,
                clients.c.master_account_id == master_account_id,
                clients.c.kind == ContactKind.CLIENT.value,
                clients.c.closed.is_(False),
                clients.c.removed.is_(False),
                clients.c.account_number.is_not(None),
                within(scope),
            )
            .correlate(client_groups)
            .scalar_subquery()
        )  # fmt: skip
        rows = await self._session.execute(
            select(
                client_groups.c.group_id, client_groups.c.name, client_groups.c.visibility, counted
            )
            .where(
                client_groups.c.master_account_id == master_account_id,
                client_groups.c.deleted.is_(False),
                or_(
                    client_groups.c.visibility == "public",
                    client_groups.c.owner_user_id == user_id,
                ),
            )
            .order_by(func.lower(client_groups.c.name), client_groups.c.group_id)
        )
        return [(row[0], row[1], row[2], int(row[3])) for row in rows]


class HouseholdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, households_: Sequence[HouseholdState]) -> None:
        """Keep each household's newest state and members; at most one state per household."""
        rows = [
            {"household_id": h.household_id, "master_account_id": h.master_account_id,
             "name": h.name, "head_contact_id": h.head_contact_id, "dissolved": h.dissolved,
             "version": h.version}
            for h in households_
        ]  # fmt: skip
        members = {h.household_id: h.member_contact_ids for h in households_}
        await _keep_newest(
            self._session, households, household_members, "household_id", rows, members
        )

    async def of_contacts(
        self, *, master_account_id: str, contact_ids: Collection[UUID]
    ) -> dict[UUID, HouseholdLink]:
        """The household of each contact that is in one (the first by name if in several)."""
        if not contact_ids:
            return {}
        ids = bindparam("contacts", sorted(set(contact_ids)), type_=_UUIDS)
        rows = await self._session.execute(
            select(
                household_members.c.contact_id,
                households.c.household_id,
                households.c.name,
                households.c.head_contact_id,
            )
            .join(households, households.c.household_id == household_members.c.household_id)
            .where(
                and_(
                    household_members.c.contact_id == any_(ids),
                    households.c.master_account_id == master_account_id,
                    households.c.dissolved.is_(False),
                )
            )
            .order_by(func.lower(households.c.name).desc(), households.c.household_id.desc())
        )
        # the last row of a contact wins: the first household by name
        return {row[0]: HouseholdLink(row[1], row[2], row[3]) for row in rows}


class MasterUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, users: Sequence[MasterUser]) -> None:
        """Keep each user's latest state; ``users`` holds at most one per user."""
        if not users:
            return
        statement = insert(master_users).values(
            [{**asdict(user), "rights": list(user.rights)} for user in users]
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[master_users.c.user_id],
                set_={
                    name: statement.excluded[name] for name in asdict(users[0]) if name != "user_id"
                },
                where=master_users.c.changed_at < statement.excluded.changed_at,
            )
        )

    async def by_ids(self, user_ids: Collection[str]) -> dict[str, MasterUser]:
        if not user_ids:
            return {}
        ids = bindparam("users", sorted(set(user_ids)), type_=_TEXTS)
        rows = await self._session.execute(
            select(master_users).where(master_users.c.user_id == any_(ids))
        )
        return {row.user_id: _user(row) for row in rows}

    async def active(self, master_account_id: str) -> list[MasterUser]:
        """The master's active users, by name."""
        rows = await self._session.execute(
            select(master_users)
            .where(master_users.c.master_account_id == master_account_id, master_users.c.active)
            .order_by(func.lower(master_users.c.display_name), master_users.c.user_id)
        )
        return [_user(row) for row in rows]


class MasterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, profiles: Sequence[MasterProfile]) -> None:
        """Keep each master's latest name and time zone; at most one per master."""
        if not profiles:
            return
        statement = insert(masters).values([asdict(profile) for profile in profiles])
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[masters.c.master_account_id],
                set_={name: statement.excluded[name] for name in ("name", "time_zone",
                                                                  "changed_at")},
                where=masters.c.changed_at <= statement.excluded.changed_at,
            )
        )  # fmt: skip

    async def get(self, master_account_id: str) -> MasterProfile | None:
        row = (
            await self._session.execute(
                select(masters).where(masters.c.master_account_id == master_account_id)
            )
        ).first()
        if row is None:
            return None
        return MasterProfile(master_account_id=row.master_account_id, name=row.name,
                             time_zone=row.time_zone, changed_at=row.changed_at)  # fmt: skip


def _user(row: Any) -> MasterUser:
    return MasterUser(
        user_id=row.user_id,
        master_account_id=row.master_account_id,
        display_name=row.display_name,
        email=row.email,
        active=row.active,
        email_reminders=row.email_reminders,
        changed_at=row.changed_at,
        rights=tuple(row.rights),
    )
