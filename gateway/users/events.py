"""Announcing users to the services: every change of a user's name, email, activity, primacy or
reminder preference publishes ``UserChanged`` through the gateway's outbox, in the transaction
of the change (the gateway's relay sends it on)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.access import Right
from contracts.users import MasterChanged, UserChanged
from gateway.store import preferences, users
from services.runtime.db import Database, EventPublisher, UnitOfWork


class Announced(Protocol):
    """What the event carries of a user (``store.users.User`` and ``ManagedUser`` both have it)."""

    @property
    def id(self) -> UUID: ...
    @property
    def master_account_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def is_primary(self) -> bool: ...
    @property
    def active(self) -> bool: ...
    @property
    def rights(self) -> frozenset[Right]: ...


def user_changed(
    user: Announced, *, email_reminders: bool, changed_at: datetime | None = None
) -> UserChanged:
    return UserChanged(
        user_id=str(user.id),
        master_account_id=user.master_account_id,
        display_name=user.display_name[:200],
        email=user.email,
        active=user.active,
        is_primary=user.is_primary,
        email_reminders=email_reminders,
        rights=sorted(Right) if user.is_primary else sorted(user.rights),
        changed_at=changed_at or datetime.now(UTC),
    )


async def announce(publisher: EventPublisher, user: Announced, *, email_reminders: bool) -> None:
    """Publish the user's state when the transaction commits."""
    await publisher.publish(
        topics.USERS.name,
        user_changed(user, email_reminders=email_reminders),
        master_account_id=user.master_account_id,
    )


async def announce_master(publisher: EventPublisher, master: users.Master) -> None:
    """Publish the master's name and time zone when the transaction commits."""
    await publisher.publish(
        topics.USERS.name,
        MasterChanged(master_account_id=master.id, name=master.name[:200],
                      time_zone=master.time_zone, changed_at=datetime.now(UTC)),
        master_account_id=master.id,
    )  # fmt: skip


class Transaction(EventPublisher, Protocol):
    session: AsyncSession


async def set_email_reminders(uow: Transaction, user: Announced, *, email: bool) -> None:
    """The user's choice to receive task reminders by email (X3), saved and announced in the
    same transaction."""
    await preferences.put(uow.session, user.id, preferences.EMAIL_REMINDERS, email)
    await announce(uow, user, email_reminders=email)


async def announce_everyone(database: Database[UnitOfWork]) -> int:
    """Announce every master and user as they are now (at the gateway's start): a service that
    subscribed after a user last changed, or that lost its read model, learns them all.
    Announcing the same state again changes nothing there."""
    async with database.transaction() as uow:
        for master in await users.all_masters(uow.session):
            await announce_master(uow, master)
        everyone = await users.all_users(uow.session)
        for user in everyone:
            await announce(uow, user, email_reminders=preferences.email_reminders(user.preferences))
    return len(everyone)
