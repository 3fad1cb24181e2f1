"""The back office's account events applied a batch at a time give what one at a time gives:
the same contacts, the same history and the same contact events, in order; each contact is
written once per batch. Against the fake unit of work; no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
)
from contracts.api.contacts import ContactCreate
from contracts.contacts import ContactChanged, ContactClosed, ContactCreated, ContactReopened
from contracts.envelope import Envelope
from services.contacts.domain.contact import changes_between, state_of
from services.contacts.service_layer import account_events, contacts
from services.contacts.service_layer.contacts import _jsonable
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from tests.unit.contacts.fakes import FakeContactsUnitOfWork

ADA = Caller(master_account_id="F1000001", user_id="u-ada")
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def application(account: str, stage: ApplicationStage, email: str | None = None) -> Any:
    return ApplicationStatusChanged(
        account_number=account, stage=stage, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Ada", last_name="Lovelace", email=email),
        pending_tasks=[f"Tasks of {stage.value}"],
    )  # fmt: skip


def opened(account: str) -> AccountOpened:
    return AccountOpened(
        account_number=account, account_type=AccountType.INDIVIDUAL, opened_on=NOW.date()
    )


def deliveries(*events: tuple[str, Any]) -> list[Delivery[Any]]:
    """(master, event) pairs, a minute apart, in order."""
    out = []
    for minutes, (master, event) in enumerate(events):
        envelope = Envelope.wrap(event, master_account_id=master)
        at = NOW + timedelta(minutes=minutes)
        out.append(Delivery(event, envelope.model_copy(update={"occurred_at": at})))
    return out


async def a_book() -> FakeContactsUnitOfWork:
    """Two invited prospects of ADA with one email (the earlier one is continued first) and a
    contact of EVE with the same email."""
    uow = FakeContactsUnitOfWork()
    for caller in (ADA, ADA, EVE):
        await contacts.create_contact(
            uow, caller, ContactCreate(first_name="Ada", last_name="Byron", email="ada@example.com")
        )
    for minutes, contact in enumerate(uow.contacts.rows.values()):
        contact.created_at = NOW - timedelta(days=1) + timedelta(minutes=minutes)
    uow.published.clear()
    return uow


def the_story() -> list[Delivery[Any]]:
    master, other = ADA.master_account_id, EVE.master_account_id
    return deliveries(
        (master, application("U1000001", ApplicationStage.STARTED)),
        (master, application("U1000002", ApplicationStage.SUBMITTED, email="ADA@example.com")),
        (master, application("U1000001", ApplicationStage.SUBMITTED)),
        (master, opened("U1000001")),
        (master, application("U1000003", ApplicationStage.STARTED, email="ada@example.com")),
        (master, application("U1000004", ApplicationStage.STARTED, email="ada@example.com")),
        (master, opened("U9999999")),
        (master, AccountClosed(account_number="U1000001", closed_on=NOW.date())),
        (other, application("U1000001", ApplicationStage.STARTED)),
        (master, AccountReopened(account_number="U1000001", reopened_on=NOW.date())),
        (master, AccountClosed(account_number="U1000001", closed_on=NOW.date())),
    )


ContactEvent = ContactCreated | ContactChanged | ContactClosed | ContactReopened


def contact_events(uow: FakeContactsUnitOfWork) -> list[tuple[str, ContactEvent]]:
    """(master, event) of each contact event published, in order."""
    return [(p.master_account_id, p.event) for p in uow.published
            if isinstance(p.event, ContactCreated | ContactChanged | ContactClosed
                          | ContactReopened)]  # fmt: skip


def published(uow: FakeContactsUnitOfWork) -> list[tuple[Any, ...]]:
    """What each published event says, without the ids of the contacts it created."""
    return [
        (type(e).__name__, master, e.contact.account_number, e.contact.status, e.contact.closed,
         e.contact.version, getattr(e, "changed_fields", None))
        for master, e in contact_events(uow)
    ]  # fmt: skip


def stored(uow: FakeContactsUnitOfWork) -> list[tuple[Any, ...]]:
    """Every contact with its history, in the order they were created."""
    rows = []
    for contact in uow.contacts.rows.values():
        history = [(c.action, sorted(c.changes)) for c in uow.contacts.changes.get(contact.id, [])]
        rows.append((contact.master_account_id, contact.email, contact.account_number,
                     contact.status, contact.kind, contact.closed, contact.version,
                     contact.pending_tasks, history))  # fmt: skip
    return sorted(rows, key=repr)


async def test_a_batch_gives_what_one_event_at_a_time_gives() -> None:
    one_by_one, batched = await a_book(), await a_book()
    for delivery in the_story():
        await account_events.apply_account_events([delivery], one_by_one)
    await account_events.apply_account_events(the_story(), batched)

    assert published(batched) == published(one_by_one)
    assert stored(batched) == stored(one_by_one)
    kinds = [type(p.event) for p in batched.published]
    assert kinds.count(ContactCreated) == 3, "U1000001 of each master and U1000004"
    assert len(contact_events(batched)) == len(batched.published) == 11 - 1, (
        "the unknown account's opening changes nothing"
    )


async def test_the_invited_prospects_are_continued_earliest_first_and_once() -> None:
    uow = await a_book()
    first, second, _ = uow.contacts.rows.values()
    await account_events.apply_account_events(the_story(), uow)
    assert uow.contacts.rows[first.id].account_number == "U1000002"
    assert uow.contacts.rows[second.id].account_number == "U1000003"
    [eve] = [c for c in uow.contacts.rows.values() if c.master_account_id == EVE.master_account_id
             and c.email == "ada@example.com"]  # fmt: skip
    assert eve.account_number is None, "another master's prospect is never continued"


async def test_every_event_of_a_contact_in_a_batch_is_published_in_order() -> None:
    uow = await a_book()
    await account_events.apply_account_events(the_story(), uow)
    of_first_account = [
        e for master, e in contact_events(uow)
        if e.contact.account_number == "U1000001" and master == ADA.master_account_id
    ]  # fmt: skip
    assert [(type(e).__name__, e.contact.version) for e in of_first_account] == [
        ("ContactCreated", 1), ("ContactChanged", 2), ("ContactChanged", 3),
        ("ContactClosed", 4), ("ContactReopened", 5), ("ContactClosed", 6),
    ]  # fmt: skip
    assert isinstance(of_first_account[1], ContactChanged)
    assert of_first_account[1].changed_fields == ["pending_tasks", "status", "status_changed_at"]


async def test_what_a_change_records_is_the_difference_of_the_whole_state() -> None:
    """The profile is left out of the comparison (account events never change it): what is
    recorded and published is still what ``changes_between`` finds over the whole state."""
    uow = await a_book()
    contact_id = next(iter(uow.contacts.rows))
    master = ADA.master_account_id
    story = [application("U1000002", ApplicationStage.SUBMITTED, email="ada@example.com"),
             opened("U1000002"), AccountClosed(account_number="U1000002", closed_on=NOW.date())]  # fmt: skip
    for minutes, event in enumerate(story):
        before = state_of(uow.contacts.rows[contact_id])
        envelope = Envelope.wrap(event, master_account_id=master)
        at = envelope.model_copy(update={"occurred_at": NOW + timedelta(minutes=minutes)})
        await account_events.apply_account_events([Delivery(event, at)], uow)
        expected = changes_between(before, state_of(uow.contacts.rows[contact_id]))
        assert len(expected) >= 2
        assert uow.contacts.changes[contact_id][-1].changes == _jsonable(expected)
        assert getattr(uow.published[-1].event, "changed_fields", sorted(expected)) == sorted(
            expected
        )
