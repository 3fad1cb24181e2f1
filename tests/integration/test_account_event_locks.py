"""A lifecycle batch and a valuations batch of the same accounts, applied at the same moment on
PostgreSQL, each lock the contacts in one order (their ids): they wait for each other and never
deadlock, whatever order their events come in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text

from contracts.accounts import (
    AccountClosed,
    AccountReopened,
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.api.groups import HouseholdCreate
from contracts.envelope import Envelope, Event
from services.contacts.service_layer.account_events import (
    apply_account_events,
    apply_net_asset_values,
)
from services.contacts.service_layer.households import create_household
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.db import Database
from tests.integration.conftest import RunningService, a_master

ACCOUNTS = 200
ROUNDS = 12
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deliveries(master: str, events: Sequence[Event], at: datetime) -> list[Delivery[Any]]:
    envelopes = (Envelope.wrap(e, master_account_id=master, occurred_at=at) for e in events)
    return [Delivery(e.payload, e) for e in envelopes]


async def in_transaction(
    database: Database[Any],
    apply: Callable[[Sequence[Delivery[Any]], Any], Awaitable[None]],
    batch: Sequence[Delivery[Any]],
) -> None:
    async with database.transaction() as uow:
        await apply(batch, uow)


async def open_accounts(database: Database[Any], master: str, accounts: Sequence[str]) -> None:
    """Each account's application reaches its opening: a client contact per account."""
    opened = [
        ApplicationStatusChanged(
            account_number=a, stage=ApplicationStage.OPEN, account_type=AccountType.INDIVIDUAL,
            applicant=Applicant(first_name="Ada", last_name="Lovelace"),
        )
        for a in accounts
    ]  # fmt: skip
    await in_transaction(database, apply_account_events, deliveries(master, opened, START))


async def test_lifecycle_and_valuation_batches_of_the_same_accounts_never_deadlock(
    contacts_service: RunningService,
) -> None:
    database: Database[Any] = contacts_service.app.state.context.database
    master = a_master()
    accounts = [f"U{n}" for n in range(7_300_000, 7_300_000 + ACCOUNTS)]
    await open_accounts(database, master, accounts)

    for round_ in range(ROUNDS):
        at = START + timedelta(minutes=round_ + 1)
        change: type[AccountClosed | AccountReopened] = (
            AccountClosed if round_ % 2 == 0 else AccountReopened
        )
        when = {"closed_on" if change is AccountClosed else "reopened_on": date(2026, 3, 2)}
        lifecycle = [change(account_number=a, **when) for a in reversed(accounts)]
        values = [
            NetAssetValueReported(account_number=a, as_of=date(2026, 3, 2),
                                  net_asset_value=Decimal(round_ * 1000 + i))
            for i, a in enumerate(accounts)
        ]  # fmt: skip
        await asyncio.gather(
            in_transaction(database, apply_account_events, deliveries(master, lifecycle, at)),
            in_transaction(database, apply_net_asset_values, deliveries(master, values, at)),
        )

    async with database.unit_of_work() as uow:
        found = [await uow.contacts.by_account_number(a, master_account_id=master)
                 for a in accounts]  # fmt: skip
    assert all(c is not None for c in found)
    last = ROUNDS - 1
    assert {(c.closed, c.version) for c in found if c} == {(last % 2 == 0, 1 + ROUNDS)}
    assert [c.net_asset_value for c in found if c] == [
        Decimal(last * 1000 + i) for i in range(ACCOUNTS)
    ]


async def test_a_household_written_while_a_batch_locks_its_members_waits_instead_of_deadlocking(
    contacts_service: RunningService,
) -> None:
    """A household's foreign keys would lock its members (key share) in the members' order;
    account-event batches lock contacts for update in id order. A batch holding the lower id,
    then asking for the higher one, while a household of the two (the higher id first, its
    head) is being written: the household waits at the lower id holding nothing, and both go
    through. Without the ordered lock it held the head and PostgreSQL broke a deadlock."""
    database: Database[Any] = contacts_service.app.state.context.database
    master = a_master()
    accounts = [f"U{n}" for n in range(7_400_000, 7_400_002)]
    await open_accounts(database, master, accounts)
    async with database.unit_of_work() as uow:
        found = [await uow.contacts.by_account_number(a, master_account_id=master)
                 for a in accounts]  # fmt: skip
    lower, higher = sorted(c.id for c in found if c)
    lock = text("SELECT id FROM contacts WHERE id = :id FOR UPDATE")

    async def household() -> UUID:
        async with database.transaction() as uow:
            command = HouseholdCreate(name="The Lovelaces", member_contact_ids=[higher, lower],
                                      head_contact_id=higher)  # fmt: skip
            record = await create_household(uow, Caller(master, "advisor"), command,
                                            advisor_name="A", now=START)  # fmt: skip
            return record.household.id

    async with database.transaction() as batch:
        await batch.session.execute(lock, {"id": lower})
        writing = asyncio.create_task(household())
        await waiting_for_a_lock(database, within=10)
        await batch.session.execute(lock, {"id": higher})  # a deadlock raises here or there
        await batch.commit()
    assert isinstance(await asyncio.wait_for(writing, 10), UUID)


async def waiting_for_a_lock(database: Database[Any], *, within: float) -> None:
    """Until some session of the database waits for a row lock."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        async with database.unit_of_work() as uow:
            waiting = await uow.session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"))  # fmt: skip
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the household never waited for the batch's lock")
