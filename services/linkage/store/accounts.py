"""What linkage knows of client accounts, their contacts, groups and masters: upserts from events
(the newest version kept) and the scoped queries the wizard and the record pages run."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    String,
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
from services.linkage.domain.devices import kind_of
from services.linkage.domain.links import ClientAccount
from services.linkage.store.tables import (
    account_contacts,
    client_accounts,
    devices,
    group_members,
    masters,
)

_UUIDS = ARRAY(PgUUID(as_uuid=True))
_TEXTS = ARRAY(String())


def within(scope: ClientScope) -> ColumnElement[bool]:
    """The caller's client scope over ``client_accounts``: the accounts it names, or those whose
    contact is a member of a group it names (at the moment of the query)."""
    if scope.all_clients:
        return true()
    reached: list[ColumnElement[bool]] = []
    if scope.account_numbers:
        chosen = bindparam("scope_accounts", sorted(scope.account_numbers), type_=_TEXTS)
        reached.append(client_accounts.c.account_number == any_(chosen))
    if scope.group_ids:
        groups = bindparam("scope_groups", sorted(scope.group_ids), type_=_UUIDS)
        members = select(func.unnest(group_members.c.contact_ids)).where(
            group_members.c.group_id == any_(groups)
        )
        in_groups = select(account_contacts.c.account_number).where(
            account_contacts.c.contact_id.in_(members),
            account_contacts.c.removed.is_(False),
        )
        reached.append(client_accounts.c.account_number.in_(in_groups))
    return or_(*reached) if reached else client_accounts.c.account_number.is_(None)


_ACTIVE_DEVICE = (
    select(devices.c.kind)
    .where(devices.c.account_number == client_accounts.c.account_number,
           devices.c.status == "active")
    .correlate(client_accounts)
)  # fmt: skip


def _account(row: Any, kinds: list[str]) -> ClientAccount:
    levels = [(kind_of(k).level, k) for k in kinds]
    level, kind = max(levels) if levels else (0, None)
    return ClientAccount(
        account_number=row.account_number, master_account_id=row.master_account_id,
        holder_id=row.holder_id, username=row.username, username_active=row.username_active,
        open=row.open, profile=dict(row.profile), banking=list(row.banking),
        profile_version=row.profile_version, linked_into=row.linked_into,
        contact_id=row.contact_id, device_level=level, device_kind=kind,
    )  # fmt: skip


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None:
        """Each account's newest profile (a lower version changes nothing). Rows go in account
        order, as in ``set_open``, so concurrent batches of the same accounts never deadlock."""
        if not rows:
            return
        statement = insert(client_accounts).values(sorted(rows, key=lambda r: r["account_number"]))
        excluded = statement.excluded
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[client_accounts.c.account_number],
            set_={name: excluded[name] for name in ("holder_id", "username", "profile", "banking",
                                                    "profile_version", "master_account_id")},
            where=client_accounts.c.profile_version < excluded.profile_version,
        ))  # fmt: skip

    async def set_open(self, rows: Sequence[tuple[str, str, bool, datetime]]) -> None:
        """(account, master, open, at): an older lifecycle event changes nothing."""
        for account, master, is_open, at in sorted(rows, key=lambda r: r[0]):
            statement = insert(client_accounts).values(
                account_number=account, master_account_id=master, open=is_open, lifecycle_at=at
            )
            await self.session.execute(statement.on_conflict_do_update(
                index_elements=[client_accounts.c.account_number],
                set_={"open": is_open, "lifecycle_at": at},
                where=or_(client_accounts.c.lifecycle_at.is_(None),
                          client_accounts.c.lifecycle_at <= at),
            ))  # fmt: skip

    async def upsert_contacts(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = insert(account_contacts).values(list(rows))
        excluded = statement.excluded
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[account_contacts.c.contact_id],
            set_={"account_number": excluded.account_number, "version": excluded.version,
                  "removed": excluded.removed},
            where=account_contacts.c.version < excluded.version,
        ))  # fmt: skip

    async def upsert_groups(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = insert(group_members).values(list(rows))
        excluded = statement.excluded
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=[group_members.c.group_id],
            set_={"contact_ids": excluded.contact_ids, "version": excluded.version},
            where=group_members.c.version < excluded.version,
        ))  # fmt: skip

    async def upsert_masters(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            statement = insert(masters).values(**row)
            await self.session.execute(statement.on_conflict_do_update(
                index_elements=[masters.c.master_account_id],
                set_={"time_zone": row["time_zone"], "changed_at": row["changed_at"]},
                where=masters.c.changed_at <= row["changed_at"],
            ))  # fmt: skip

    async def time_zone(self, master_account_id: str) -> str | None:
        found = await self.session.scalar(
            select(masters.c.time_zone).where(masters.c.master_account_id == master_account_id)
        )
        return str(found) if found else None

    async def of_master(
        self, *, master_account_id: str, scope: ClientScope, holder_id: str | None = None,
        account_numbers: Collection[str] | None = None, lock: bool = False,
    ) -> list[ClientAccount]:  # fmt: skip
        """The master's accounts within the scope (of one holder, or the ones named)."""
        contact = (
            select(account_contacts.c.contact_id)
            .where(account_contacts.c.account_number == client_accounts.c.account_number,
                   account_contacts.c.removed.is_(False))
            .correlate(client_accounts).limit(1).scalar_subquery()
        )  # fmt: skip
        query = select(client_accounts, contact.label("contact_id"),
                       func.array(_ACTIVE_DEVICE.scalar_subquery()).label("kinds"))  # fmt: skip
        query = query.where(client_accounts.c.master_account_id == master_account_id,
                            within(scope))  # fmt: skip
        if holder_id is not None:
            query = query.where(client_accounts.c.holder_id == holder_id)
        if account_numbers is not None:
            query = query.where(client_accounts.c.account_number.in_(list(account_numbers)))
        if lock:
            query = query.with_for_update(of=client_accounts)
        rows = (await self.session.execute(query.order_by(client_accounts.c.account_number))).all()
        return [_account(row, list(row.kinds or [])) for row in rows]

    async def accounts_of_contact(
        self, *, master_account_id: str, scope: ClientScope, contact_id: UUID
    ) -> list[ClientAccount]:
        """The accounts of the holder behind the contact's account (within the scope)."""
        account = await self.session.scalar(
            select(account_contacts.c.account_number).where(
                account_contacts.c.contact_id == contact_id,
                account_contacts.c.master_account_id == master_account_id,
                account_contacts.c.removed.is_(False))
        )  # fmt: skip
        if account is None:
            return []
        own = await self.of_master(master_account_id=master_account_id, scope=scope,
                                   account_numbers=[account])  # fmt: skip
        if not own:
            return []
        if own[0].holder_id is None:
            return own
        return await self.of_master(master_account_id=master_account_id, scope=scope,
                                    holder_id=own[0].holder_id)  # fmt: skip

    async def mark_linked(
        self, *, survivor: str, others: Collection[str], profile: dict[str, str]
    ) -> None:
        """The others' usernames stop working; every account keeps the reconciled profile."""
        await self.session.execute(
            update(client_accounts)
            .where(client_accounts.c.account_number.in_(list(others)))
            .values(username_active=False, linked_into=survivor)
        )
        await self.session.execute(
            update(client_accounts)
            .where(or_(client_accounts.c.account_number.in_(list(others)),
                       client_accounts.c.account_number == survivor))
            .values(profile=client_accounts.c.profile.op("||")(bindparam("p", profile,
                                                                       type_=client_accounts.c.profile.type)))
        )  # fmt: skip
