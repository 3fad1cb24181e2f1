"""Loading and saving contacts and their history; every query is scoped to one master account."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, delete, func, select, text
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import (
    TRACKED_FIELDS,
    AccountValuation,
    ChangeRecord,
    Contact,
    NewChange,
)
from services.contacts.domain.profile import Profile
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.scope import reach_conditions
from services.contacts.store.tables import contact_changes, contacts

# Every statement that changes many contacts at once locks them in one order, by id: two such
# transactions over the same contacts (a valuations batch and a lifecycle batch of the same
# accounts) then wait for each other instead of deadlocking.

# One statement for a whole batch of valuations (at most one per account).
_SET_NET_ASSET_VALUES = text(
    """
    WITH v AS (
        SELECT * FROM unnest(CAST(:masters AS varchar[]), CAST(:accounts AS varchar[]),
                             CAST(:values AS numeric[])) AS v(master, account, net_asset_value)
    ), target AS MATERIALIZED (
        SELECT contacts.id, v.net_asset_value FROM contacts
        JOIN v ON contacts.master_account_id = v.master AND contacts.account_number = v.account
        ORDER BY contacts.id
        FOR UPDATE OF contacts
    )
    UPDATE contacts SET net_asset_value = target.net_asset_value
    FROM target WHERE contacts.id = target.id
    """
)

# The contacts the back office's account events of one batch are about: those of its accounts,
# and the prospects without an account that its applicants' emails may name.
_IDS_FOR_ACCOUNT_EVENTS = text(
    """
    SELECT c.id FROM contacts c
    JOIN unnest(CAST(:masters AS varchar[]), CAST(:accounts AS varchar[])) AS k(master, account)
      ON c.master_account_id = k.master AND c.account_number = k.account
    UNION
    SELECT c.id FROM contacts c
    JOIN unnest(CAST(:email_masters AS varchar[]), CAST(:emails AS varchar[])) AS e(master, email)
      ON c.master_account_id = e.master AND lower(c.email) = e.email
    WHERE c.account_number IS NULL
    """
).columns(id=PgUUID(as_uuid=True))
_FOR_ACCOUNT_EVENTS = (
    select(*(column for column in contacts.c if column.name != "search_text"))
    .where(contacts.c.id.in_(_IDS_FOR_ACCOUNT_EVENTS))
    .order_by(contacts.c.id)
    .with_for_update()
)

# Many contacts saved with one statement (every column ``save`` writes).
_SAVE_ALL = text(
    """
    UPDATE contacts SET
        kind = v.kind, title = v.title, first_name = v.first_name, last_name = v.last_name,
        email = v.email, phone = v.phone, username = v.username,
        account_number = v.account_number, account_type = v.account_type, status = v.status,
        status_changed_at = v.status_changed_at, net_asset_value = v.net_asset_value,
        closed = v.closed, profile = CAST(v.profile AS jsonb),
        pending_tasks = CAST(v.pending_tasks AS jsonb), version = v.version, updated_at = now()
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:masters AS varchar[]), CAST(:kinds AS varchar[]),
        CAST(:titles AS varchar[]), CAST(:first_names AS varchar[]),
        CAST(:last_names AS varchar[]), CAST(:emails AS varchar[]), CAST(:phones AS varchar[]),
        CAST(:usernames AS varchar[]), CAST(:account_numbers AS varchar[]),
        CAST(:account_types AS varchar[]), CAST(:statuses AS varchar[]),
        CAST(:status_changed_ats AS timestamptz[]), CAST(:net_asset_values AS numeric[]),
        CAST(:closeds AS boolean[]), CAST(:profiles AS text[]), CAST(:pending_taskss AS text[]),
        CAST(:versions AS integer[])
    ) AS v(id, master_account_id, kind, title, first_name, last_name, email, phone, username,
           account_number, account_type, status, status_changed_at, net_asset_value, closed,
           profile, pending_tasks, version)
    WHERE contacts.id = v.id AND contacts.master_account_id = v.master_account_id
    """
)


def to_contact(row: Any) -> Contact:
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


def _of_master(master_account_id: str) -> Select[Any]:
    return select(contacts).where(contacts.c.master_account_id == master_account_id)


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, statement: Select[Any]) -> Contact | None:
        row = (await self._session.execute(statement)).first()
        return to_contact(row) if row else None

    async def get(
        self,
        contact_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> Contact | None:
        """The contact, or None when the master has no such contact within ``reach``."""
        statement = _of_master(master_account_id).where(
            contacts.c.id == contact_id, *reach_conditions(reach, master_account_id)
        )
        return await self._one(statement.with_for_update() if for_update else statement)

    async def by_account_number(
        self, account_number: str, *, master_account_id: str
    ) -> Contact | None:
        """The contact of the account, locked for the change the caller is about to make."""
        statement = _of_master(master_account_id).where(contacts.c.account_number == account_number)
        return await self._one(statement.with_for_update())

    async def invited_prospect_by_email(
        self, email: str, *, master_account_id: str
    ) -> Contact | None:
        """A prospect without an account yet, with this email: the one an application is for."""
        statement = (
            _of_master(master_account_id)
            .where(
                func.lower(contacts.c.email) == email.lower(),
                contacts.c.account_number.is_(None),
            )
            .order_by(contacts.c.created_at)
            .limit(1)
            .with_for_update()
        )
        return await self._one(statement)

    async def existing_ids(
        self, contact_ids: Sequence[UUID], *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> set[UUID]:
        """Those of ``contact_ids`` that are contacts of the master within ``reach``."""
        if not contact_ids:
            return set()
        rows = await self._session.scalars(
            select(contacts.c.id).where(
                contacts.c.master_account_id == master_account_id,
                contacts.c.id.in_(contact_ids),
                *reach_conditions(reach, master_account_id),
            )
        )
        return set(rows)

    async def add(self, contact: Contact) -> None:
        await self._session.execute(insert(contacts).values(**_values(contact)))

    async def save(self, contact: Contact) -> None:
        await self._session.execute(
            contacts.update()
            .where(
                and_(
                    contacts.c.id == contact.id,
                    contacts.c.master_account_id == contact.master_account_id,
                )
            )
            .values(**_values(contact), updated_at=func.now())
        )

    async def remove(self, contact_ids: Sequence[UUID], *, master_account_id: str) -> None:
        """Delete contacts (their history and duplicate keys go with them)."""
        await self._session.execute(
            delete(contacts).where(
                contacts.c.master_account_id == master_account_id, contacts.c.id.in_(contact_ids)
            )
        )

    async def for_account_events(
        self, accounts: Sequence[tuple[str, str]], emails: Sequence[tuple[str, str]]
    ) -> list[Contact]:
        """The contacts of the (master, account number) pairs, and the prospects without an
        account whose email is one of the (master, lowercase email) pairs, locked for the changes
        the caller is about to make, in the order of their ids."""
        if not accounts and not emails:
            return []
        rows = await self._session.execute(
            _FOR_ACCOUNT_EVENTS,
            {
                "masters": [master for master, _ in accounts],
                "accounts": [account for _, account in accounts],
                "email_masters": [master for master, _ in emails],
                "emails": [email for _, email in emails],
            },
        )
        return [to_contact(row) for row in rows]

    async def add_all(self, contacts_: Sequence[Contact]) -> None:
        """``add`` for many contacts, with one statement."""
        if contacts_:
            await self._session.execute(insert(contacts), [_values(c) for c in contacts_])

    async def save_all(self, contacts_: Sequence[Contact]) -> None:
        """``save`` for many contacts (each once), with one statement."""
        if not contacts_:
            return
        columns: dict[str, list[Any]] = {
            "ids": [], "masters": [], "kinds": [], "titles": [], "first_names": [],
            "last_names": [], "emails": [], "phones": [], "usernames": [], "account_numbers": [],
            "account_types": [], "statuses": [], "status_changed_ats": [], "net_asset_values": [],
            "closeds": [], "profiles": [], "pending_taskss": [], "versions": [],
        }  # fmt: skip
        for c in contacts_:
            row = (
                c.id, c.master_account_id, c.kind.value, c.title, c.first_name, c.last_name,
                c.email, c.phone, c.username, c.account_number,
                c.account_type.value if c.account_type else None,
                c.status.value if c.status else None, c.status_changed_at, c.net_asset_value,
                c.closed, c.profile.model_dump_json(exclude_none=True),
                json.dumps(c.pending_tasks), c.version,
            )  # fmt: skip
            for values, value in zip(columns.values(), row, strict=True):
                values.append(value)
        await self._session.execute(_SAVE_ALL, columns)

    async def record_changes(self, changes: Sequence[NewChange]) -> None:
        """``record_change`` for many changes, in order, with one statement."""
        if changes:
            await self._session.execute(
                contact_changes.insert(),
                [
                    {
                        "contact_id": c.contact_id,
                        "master_account_id": c.master_account_id,
                        "changed_by": c.changed_by,
                        "action": c.action,
                        "changes": c.changes,
                    }
                    for c in changes
                ],
            )

    async def set_net_asset_values(self, valuations: Sequence[AccountValuation]) -> None:
        """Write each account's value to its contact; ``valuations`` has one per account."""
        if not valuations:
            return
        await self._session.execute(
            _SET_NET_ASSET_VALUES,
            {
                "masters": [v.master_account_id for v in valuations],
                "accounts": [v.account_number for v in valuations],
                "values": [v.net_asset_value for v in valuations],
            },
        )

    async def record_change(
        self, contact: Contact, *, changed_by: str, action: str, changes: dict[str, Any]
    ) -> None:
        await self._session.execute(
            contact_changes.insert().values(
                contact_id=contact.id,
                master_account_id=contact.master_account_id,
                changed_by=changed_by,
                action=action,
                changes=changes,
            )
        )

    async def history(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ChangeRecord]:
        """The contact's changes, newest first."""
        statement = (
            select(contact_changes)
            .where(
                contact_changes.c.master_account_id == master_account_id,
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
