"""Loading and saving contacts and their history; every query is scoped to one master account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import (
    TRACKED_FIELDS,
    AccountValuation,
    ChangeRecord,
    Contact,
)
from services.contacts.domain.profile import Profile
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.store.scope import reach_conditions
from services.contacts.store.tables import contact_changes, contacts

# One statement for a whole batch of valuations (at most one per account).
_SET_NET_ASSET_VALUES = text(
    """
    UPDATE contacts SET net_asset_value = v.net_asset_value
    FROM unnest(CAST(:masters AS varchar[]), CAST(:accounts AS varchar[]),
                CAST(:values AS numeric[])) AS v(master_account_id, account_number, net_asset_value)
    WHERE contacts.master_account_id = v.master_account_id
      AND contacts.account_number = v.account_number
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
