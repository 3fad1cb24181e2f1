"""The contacts' use cases against the fake unit of work: creating and editing a record, the
back office's account events, and what each publishes or refuses. No database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.api.contacts import ContactCreate, ContactPatch, ContactVersion, ProfileReplace
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactKind,
    ContactReopened,
)
from contracts.envelope import Envelope
from services.contacts.domain.contact import Contact
from services.contacts.service_layer import account_events, contact_reads, contacts
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Conflict, DomainError, Invalid, NotFound
from services.runtime.http_errors import domain_error_response
from tests.unit.contacts.fakes import FakeContactsUnitOfWork

ADA = Caller(master_account_id="F1000001", user_id="u-ada")
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeContactsUnitOfWork:
    return FakeContactsUnitOfWork()


async def a_contact(uow: FakeContactsUnitOfWork, **values: Any) -> Contact:
    command = ContactCreate(first_name="Grace", last_name="Hopper", **values)
    contact = await contacts.create_contact(uow, ADA, command)
    uow.published.clear()
    return contact


async def answered(error: DomainError) -> tuple[int, Any]:
    response = await domain_error_response(None, error)  # type: ignore[arg-type]
    return response.status_code, json.loads(bytes(response.body))


def on(master: str, event: Any, at: datetime = NOW) -> Envelope[Any]:
    envelope = Envelope.wrap(event, master_account_id=master)
    return envelope.model_copy(update={"occurred_at": at})


def application(account: str, stage: ApplicationStage, email: str | None = None) -> Any:
    return ApplicationStatusChanged(
        account_number=account, stage=stage, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Ada", last_name="Lovelace", email=email),
        pending_tasks=["Sign the agreement"],
    )  # fmt: skip


# --- a user's commands --------------------------------------------------------------------


async def test_creating_a_contact_stores_it_and_publishes_contact_created_once(
    uow: FakeContactsUnitOfWork,
) -> None:
    command = ContactCreate(first_name="Grace", last_name="Hopper", email="grace@example.com")
    contact = await contacts.create_contact(uow, ADA, command)
    [created] = uow.events_of(ContactCreated)
    assert len(uow.published) == 1 and uow.published[0].master_account_id == ADA.master_account_id
    assert created.contact.contact_id == contact.id and created.changed_by == "u-ada"
    stored = await contact_reads.contact_record(uow, ADA, contact.id)
    assert (stored.email, stored.kind, stored.version) == (
        "grace@example.com",
        ContactKind.PROSPECT,
        1,
    )
    history = await contact_reads.contact_history(uow, ADA, contact.id, limit=10)
    assert [change.action for change in history] == ["created"]


async def test_a_bad_phone_is_refused_at_its_column_and_nothing_is_published(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow)
    with pytest.raises(Invalid) as refused:
        await contacts.edit_summary(
            uow, ADA, contact.id, ContactPatch(version=1, phone="12 not a phone")
        )
    status, body = await answered(refused.value)
    assert status == 422 and body["detail"][0]["loc"] == ["body", "phone"]
    assert body["detail"][0]["input"] is None
    assert uow.published == []


async def test_an_edit_publishes_the_changed_fields_and_moves_the_version(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow)
    edited = await contacts.edit_summary(
        uow, ADA, contact.id, ContactPatch(version=1, title="Rear Admiral")
    )
    [changed] = uow.events_of(ContactChanged)
    assert changed.changed_fields == ["title"] and changed.contact.version == 2
    assert edited.version == 2 and edited.title == "Rear Admiral"
    assert edited.updated_at is not None, "the contact as stored"


async def test_an_edit_of_a_stale_version_is_a_conflict_and_changes_nothing(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow)
    await contacts.edit_summary(uow, ADA, contact.id, ContactPatch(version=1, title="First"))
    with pytest.raises(Conflict, match="version 2"):
        await contacts.edit_summary(uow, ADA, contact.id, ContactPatch(version=1, title="Late"))
    assert (await contact_reads.contact_record(uow, ADA, contact.id)).title == "First"
    assert len(uow.published) == 1


async def test_an_edit_that_changes_nothing_publishes_nothing(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow, title="Grace Hopper")
    same = await contacts.edit_summary(
        uow, ADA, contact.id, ContactPatch(version=1, title="Grace Hopper")
    )
    assert same.version == 1 and uow.published == []


async def test_closing_and_reopening_publish_their_own_events(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow)
    closed = await contacts.close_contact(uow, ADA, contact.id, ContactVersion(version=1))
    assert closed.closed and closed.version == 2
    with pytest.raises(Conflict, match="already closed"):
        await contacts.close_contact(uow, ADA, contact.id, ContactVersion(version=2))
    reopened = await contacts.reopen_contact(uow, ADA, contact.id, ContactVersion(version=2))
    assert not reopened.closed
    assert [type(p.event) for p in uow.published] == [ContactClosed, ContactReopened]
    history = await contact_reads.contact_history(uow, ADA, contact.id, limit=10)
    assert [change.action for change in history] == ["reopened", "closed", "created"]


async def test_profile_problems_are_located_under_the_profile_field(
    uow: FakeContactsUnitOfWork,
) -> None:
    contact = await a_contact(uow)
    profile = {"contact": {"first_name": "Grace", "last_name": "Hopper", "email": "nope"}}
    with pytest.raises(Invalid) as refused:
        await contacts.replace_profile(
            uow, ADA, contact.id, ProfileReplace(version=1, profile=profile)
        )
    _, body = await answered(refused.value)
    assert body["detail"][0]["loc"] == ["body", "profile", "contact", "email"]


async def test_another_masters_contact_is_not_found(uow: FakeContactsUnitOfWork) -> None:
    contact = await a_contact(uow)
    with pytest.raises(NotFound) as missing:
        await contact_reads.contact_record(uow, EVE, contact.id)
    assert await answered(missing.value) == (404, {"detail": "no such contact"})
    with pytest.raises(NotFound):
        await contacts.close_contact(uow, EVE, contact.id, ContactVersion(version=1))
    with pytest.raises(NotFound):
        await contact_reads.contact_history(uow, EVE, contact.id, limit=10)
    assert uow.published == []


# --- the back office's account events -----------------------------------------------------


async def test_an_application_creates_the_contact_then_moves_it(
    uow: FakeContactsUnitOfWork,
) -> None:
    master = ADA.master_account_id
    started = application("U1234567", ApplicationStage.STARTED)
    await account_events.apply_application_status(started, on(master, started), uow)
    [created] = uow.events_of(ContactCreated)
    assert created.contact.status is ApplicationStage.STARTED
    assert created.changed_by == account_events.BACK_OFFICE

    submitted = application("U1234567", ApplicationStage.SUBMITTED)
    later = NOW + timedelta(hours=1)
    await account_events.apply_application_status(submitted, on(master, submitted, later), uow)
    [changed] = uow.events_of(ContactChanged)
    assert changed.contact.status is ApplicationStage.SUBMITTED
    assert changed.contact.contact_id == created.contact.contact_id

    stale = application("U1234567", ApplicationStage.STARTED)
    await account_events.apply_application_status(stale, on(master, stale), uow)
    assert len(uow.published) == 2, "older news changes nothing"
    [stored] = uow.contacts.rows.values()
    assert stored.pending_tasks == ["Sign the agreement"]


async def test_an_application_continues_the_invited_prospect_with_its_email(
    uow: FakeContactsUnitOfWork,
) -> None:
    prospect = await a_contact(uow, email="ada@example.com")
    event = application("U7654321", ApplicationStage.SUBMITTED, email="ADA@example.com")
    await account_events.apply_application_status(event, on(ADA.master_account_id, event), uow)
    [changed] = uow.events_of(ContactChanged)
    assert changed.contact.contact_id == prospect.id
    assert changed.contact.account_number == "U7654321"
    assert uow.events_of(ContactCreated) == []


async def test_an_account_opened_for_an_unknown_account_does_nothing(
    uow: FakeContactsUnitOfWork,
) -> None:
    event = AccountOpened(
        account_number="U0000001", account_type=AccountType.INDIVIDUAL, opened_on=NOW.date()
    )
    await account_events.apply_account_opened(event, on(ADA.master_account_id, event), uow)
    assert uow.published == [] and uow.contacts.rows == {}


async def test_an_account_opens_closes_and_reopens_its_client(
    uow: FakeContactsUnitOfWork,
) -> None:
    master = ADA.master_account_id
    submitted = application("U1111111", ApplicationStage.SUBMITTED)
    await account_events.apply_application_status(submitted, on(master, submitted), uow)
    uow.published.clear()
    steps: list[tuple[Any, Any]] = [
        (AccountOpened(account_number="U1111111", account_type=AccountType.INDIVIDUAL,
                       opened_on=NOW.date()), account_events.apply_account_opened),
        (AccountClosed(account_number="U1111111", closed_on=NOW.date()),
         account_events.apply_account_closed),
        (AccountReopened(account_number="U1111111", reopened_on=NOW.date()),
         account_events.apply_account_reopened),
    ]  # fmt: skip
    for minutes, (event, apply) in enumerate(steps, start=1):
        await apply(event, on(master, event, NOW + timedelta(minutes=minutes)), uow)
    assert [type(p.event) for p in uow.published] == [
        ContactChanged,
        ContactClosed,
        ContactReopened,
    ]
    assert uow.events_of(ContactChanged)[0].contact.kind is ContactKind.CLIENT
    [stored] = uow.contacts.rows.values()
    assert stored.status is ApplicationStage.OPEN and not stored.closed


async def test_net_asset_values_keep_the_last_value_of_each_account_and_publish_nothing(
    uow: FakeContactsUnitOfWork,
) -> None:
    master = ADA.master_account_id
    for account in ("U2000001", "U2000002"):
        event = application(account, ApplicationStage.OPEN)
        await account_events.apply_application_status(event, on(master, event), uow)
    uow.published.clear()
    values = [("U2000001", "100.00"), ("U2000002", "5.00"), ("U2000001", "250.50")]
    deliveries = [
        Delivery(event, on(master, event))
        for event in (
            NetAssetValueReported(
                account_number=account, as_of=NOW.date(), net_asset_value=Decimal(value)
            )
            for account, value in values
        )
    ]
    await account_events.apply_net_asset_values(deliveries, uow)
    by_account = {c.account_number: c.net_asset_value for c in uow.contacts.rows.values()}
    assert by_account == {"U2000001": Decimal("250.50"), "U2000002": Decimal("5.00")}
    assert uow.published == []
