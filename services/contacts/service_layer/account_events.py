"""Use cases of the back office's account events: applications and the life of accounts move
the contacts they are about; net asset values keep the table's column current.

Both are applied a batch at a time (every claimed event of one poll), with a fixed number of
statements whatever the batch's size: the contacts the batch is about are read and locked at
once (in the order of their ids, as the valuations' update locks them, so that a lifecycle
batch and a valuations batch of the same accounts wait for each other instead of
deadlocking), the events are applied to them in order in memory, exactly as one at a time
would, and then the new contacts, the changed ones, their history and their events are each
written with one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.contacts import ContactChanged, ContactCreated
from contracts.envelope import Envelope, Event
from services.contacts.domain.contact import (
    TRACKED_FIELDS,
    AccountValuation,
    Contact,
    NewChange,
    apply_stage,
    contact_from_application,
    latest_valuations,
    state_of,
)
from services.contacts.service_layer.contacts import EVENT_OF_ACTION, _jsonable
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.db import Publication

BACK_OFFICE = "back-office"

AccountEvent = ApplicationStatusChanged | AccountOpened | AccountClosed | AccountReopened
STAGE_OF: dict[type[Event], ApplicationStage] = {
    AccountOpened: ApplicationStage.OPEN,
    AccountClosed: ApplicationStage.CLOSED,
    AccountReopened: ApplicationStage.OPEN,
}
"""the stage each event of an account's life moves its contact to"""
LATEST = datetime.max.replace(tzinfo=UTC)


async def apply_account_events(
    deliveries: Sequence[Delivery[AccountEvent]], uow: ContactsUnitOfWork
) -> None:
    """Applications (the contact, found by account, else an invited prospect with the
    applicant's email, else created, moves to the application's stage) and the opening, closing
    and reopening of accounts (the account's contact, if the CRM has one, follows), in order."""
    batch = _Batch(await uow.contacts.for_account_events(*_keys(deliveries)))
    for delivery in deliveries:
        if isinstance(delivery.event, ApplicationStatusChanged):
            batch.apply_application(delivery)
        else:
            batch.apply_lifecycle(delivery, STAGE_OF[type(delivery.event)])
    await uow.contacts.add_all(list(batch.new.values()))
    await uow.contacts.save_all([c for c in batch.changed.values() if c.id not in batch.new])
    await uow.contacts.record_changes(batch.history)
    await uow.publish_many(batch.publications)


def _keys(
    deliveries: Sequence[Delivery[AccountEvent]],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (master, account number) pairs and the (master, lowercase applicant email) pairs."""
    accounts: dict[tuple[str, str], None] = {}
    emails: dict[tuple[str, str], None] = {}
    for d in deliveries:
        master = d.envelope.master_account_id
        accounts[(master, d.event.account_number)] = None
        if isinstance(d.event, ApplicationStatusChanged) and d.event.applicant.email:
            emails[(master, d.event.applicant.email.lower())] = None
    return list(accounts), list(emails)


class _Batch:
    """The batch's contacts as the events move them, and what is to be written."""

    def __init__(self, contacts: Sequence[Contact]) -> None:
        self.by_account: dict[tuple[str, str], Contact] = {}
        self.by_email: dict[tuple[str, str], list[Contact]] = {}
        """prospects without an account, earliest first (the one an application continues)"""
        for contact in sorted(contacts, key=lambda c: c.created_at or LATEST):
            if contact.account_number is not None:
                self.by_account[(contact.master_account_id, contact.account_number)] = contact
            elif contact.email:
                key = (contact.master_account_id, contact.email.lower())
                self.by_email.setdefault(key, []).append(contact)
        self.new: dict[UUID, Contact] = {}
        self.changed: dict[UUID, Contact] = {}
        self.history: list[NewChange] = []
        self.publications: list[Publication] = []

    def apply_application(self, delivery: Delivery[Any]) -> None:
        event: ApplicationStatusChanged = delivery.event
        envelope = delivery.envelope
        master = envelope.master_account_id
        contact = self.by_account.get((master, event.account_number))
        if contact is None and event.applicant.email:
            contact = self._invited(master, event.applicant.email)
        if contact is None:
            contact = contact_from_application(
                master, event.account_number, event.account_type, event.applicant
            )
            _move_to_stage(contact, event, envelope)
            self._add(contact, delivery)
            return
        before = _state(contact)
        if _move_to_stage(contact, event, envelope):
            self._save(contact, before, delivery, action="changed")

    def apply_lifecycle(self, delivery: Delivery[Any], stage: ApplicationStage) -> None:
        account_number: str = delivery.event.account_number
        master = delivery.envelope.master_account_id
        contact = self.by_account.get((master, account_number))
        if contact is None:
            return  # an account the CRM never heard of an application for: nothing to show
        before = _state(contact)
        if apply_stage(
            contact,
            stage=stage,
            account_number=account_number,
            account_type=None,
            occurred_at=delivery.envelope.occurred_at,
        ):
            action = {ApplicationStage.CLOSED: "closed"}.get(stage, "changed")
            if before["closed"] and not contact.closed:
                action = "reopened"
            self._save(contact, before, delivery, action=action)

    def _invited(self, master: str, email: str) -> Contact | None:
        """The earliest prospect with this email that has no account yet."""
        for contact in self.by_email.get((master, email.lower()), ()):
            if contact.account_number is None:
                return contact
        return None

    def _add(self, contact: Contact, delivery: Delivery[Any]) -> None:
        """As ``add_contact``: stored, its creation recorded and published."""
        self.new[contact.id] = contact
        self._index(contact)
        self._record(contact, "created", _jsonable(state_of(contact)))
        self._publish(ContactCreated(contact=contact.snapshot(), changed_by=BACK_OFFICE), delivery)

    def _save(
        self, contact: Contact, before: dict[str, Any], delivery: Delivery[Any], *, action: str
    ) -> None:
        """As ``save_changes``: nothing if no field changed since ``before`` (``_state``); else
        a new version, recorded and published."""
        after = _state(contact)
        changes = {name: [before[name], after[name]] for name in _FIELDS
                   if before[name] != after[name]}  # fmt: skip
        if not changes:
            return
        contact.version += 1
        self.changed[contact.id] = contact
        self._index(contact)
        self._record(contact, action, _jsonable(changes))
        event_type = EVENT_OF_ACTION.get(action, ContactChanged)
        extra: dict[str, Any] = (
            {"changed_fields": sorted(changes)} if event_type is ContactChanged else {}
        )
        event = event_type(contact=contact.snapshot(), changed_by=BACK_OFFICE, **extra)
        self._publish(event, delivery)

    def _index(self, contact: Contact) -> None:
        if contact.account_number is not None:
            self.by_account[(contact.master_account_id, contact.account_number)] = contact

    def _record(self, contact: Contact, action: str, changes: dict[str, Any]) -> None:
        self.history.append(
            NewChange(contact.id, contact.master_account_id, BACK_OFFICE, action, changes)
        )

    def _publish(self, event: Event, delivery: Delivery[Any]) -> None:
        master = delivery.envelope.master_account_id
        self.publications.append(Publication(topics.CONTACTS.name, event, master, delivery))


_FIELDS = tuple(name for name in TRACKED_FIELDS if name != "profile")


def _state(contact: Contact) -> dict[str, Any]:
    """``state_of`` but the profile, which account events never change (``apply_stage`` and the
    pending tasks are all they touch): copying and comparing the whole profile for every event
    was most of its cost. The changes found are ``changes_between``'s, in its order."""
    state = {name: getattr(contact, name) for name in _FIELDS}
    state["pending_tasks"] = list(contact.pending_tasks)
    return state


def _move_to_stage(
    contact: Contact, event: ApplicationStatusChanged, envelope: Envelope[Any]
) -> bool:
    """The application's stage and pending tasks; False when the news is older than ours."""
    if not apply_stage(
        contact,
        stage=event.stage,
        account_number=event.account_number,
        account_type=event.account_type,
        occurred_at=envelope.occurred_at,
    ):
        return False
    contact.pending_tasks = list(event.pending_tasks)
    return True


# --- one event at a time (callers outside a consumer: fixtures, the one-off path) ------------


async def apply_application_status(
    event: ApplicationStatusChanged, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await apply_account_events([Delivery(event, envelope)], uow)


async def apply_account_opened(
    event: AccountOpened, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await apply_account_events([Delivery(event, envelope)], uow)


async def apply_account_closed(
    event: AccountClosed, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await apply_account_events([Delivery(event, envelope)], uow)


async def apply_account_reopened(
    event: AccountReopened, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await apply_account_events([Delivery(event, envelope)], uow)


# --- net asset values ------------------------------------------------------------------------


async def apply_net_asset_values(
    deliveries: Sequence[Delivery[NetAssetValueReported]], uow: ContactsUnitOfWork
) -> None:
    """Keep the table's Net asset value column current, one statement per batch: the last value
    reported for an account wins (a fact, not a CRM change: no event, no history)."""
    valuations = [
        AccountValuation(
            d.envelope.master_account_id, d.event.account_number, d.event.net_asset_value
        )
        for d in deliveries
    ]
    await uow.contacts.set_net_asset_values(latest_valuations(valuations))
