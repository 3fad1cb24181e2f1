"""The wizard's and the batch's use cases against a fake unit of work: one client at a time and
resuming, the scope, every step recorded and published, and what executing a link changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.linkage import (
    AccountsLinked,
    ChargeStatus,
    DeviceChanged,
    DeviceStatus,
    LinkRequestChanged,
    LinkStatus,
    UsernameDeactivated,
)
from services.linkage.domain.devices import Device
from services.linkage.service_layer import links
from services.linkage.service_layer.batch import execute
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, NotFound
from tests.unit.linkage.fakes import FakeUnitOfWork
from tests.unit.linkage.test_link_rules import account

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
ADA = Caller("F1", "u-ada")


def book() -> FakeUnitOfWork:
    accounts = [account("U1", level=5, kind="alpine"),
                account("U2", level=3, kind="gold", street="9 Elm St"),
                account("U3", holder="H2"), account("U4", holder="H2")]  # fmt: skip
    devices = [Device(uuid4(), "F1", n, k, f"SN{n}", DeviceStatus.ACTIVE, NOW, NOW)
               for n, k in (("U1", "alpine"), ("U2", "gold"), ("U3", "security_code_card"))]  # fmt: skip
    return FakeUnitOfWork(accounts, devices)


async def confirmed(uow: FakeUnitOfWork, caller: Caller = ADA) -> Any:
    view, new = await links.start(uow, caller, "H1", NOW)
    assert new
    await links.choose_accounts(uow, caller, view.id, ["U1", "U2"], "U1", NOW)
    await links.reconcile(uow, caller, view.id, {"residential_address": "U2"}, NOW)
    await links.keep_banking(uow, caller, view.id, ["BI-U2"], NOW)
    return await links.confirm(uow, caller, view.id, NOW, weekday=4, at=time(6))


async def test_every_step_is_recorded_and_published() -> None:
    uow = book()
    view = await confirmed(uow)
    assert view.status is LinkStatus.CONFIRMED
    assert view.execute_after == datetime(2026, 3, 6, 6, tzinfo=UTC)  # UTC until a zone arrives
    steps = [e.step for _, e in uow.published if isinstance(e, LinkRequestChanged)]
    assert steps == ["started", "accounts", "reconciliation", "banking", "confirmed"]
    assert [r["action"] for r in uow.history.rows] == [
        "started",
        "accounts_chosen",
        "reconciled",
        "banking_chosen",
        "confirmed",
    ]
    assert all(r["actor"] == "u-ada" for r in uow.history.rows)
    assert "9 Elm St" not in uow.history.rows[2]["detail"]  # which account, not the value


async def test_the_masters_time_zone_sets_the_batch() -> None:
    uow = book()
    uow.accounts.zones["F1"] = "Asia/Tokyo"
    view = await confirmed(uow)
    assert view.execute_after == datetime(2026, 3, 5, 21, tzinfo=UTC)  # Fri 06:00 in Tokyo


async def test_one_client_at_a_time_and_the_same_client_resumes() -> None:
    uow = book()
    first, _ = await links.start(uow, ADA, "H1", NOW)
    again, new = await links.start(uow, ADA, "H1", NOW)
    assert (again.id, new) == (first.id, False)
    with pytest.raises(Conflict):
        await links.start(uow, ADA, "H2", NOW)
    other_user = Caller("F1", "u-bob")
    assert (await links.start(uow, other_user, "H2", NOW))[1]


async def test_out_of_scope_or_another_masters_is_not_found() -> None:
    uow = book()
    view, _ = await links.start(uow, ADA, "H1", NOW)
    scoped = Caller("F1", "u-sam", Access(rights=frozenset({Right.ACCOUNT_LINKAGE}),
                    scope=ClientScope(all_clients=False, account_numbers=frozenset({"U1"}))))  # fmt: skip
    with pytest.raises(NotFound):
        await links.get(uow, scoped, view.id)
    with pytest.raises(NotFound):
        await links.start(uow, scoped, "H1", NOW)
    assert (await links.eligible_clients(uow, scoped)).items == []
    with pytest.raises(NotFound):
        await links.get(uow, Caller("F2", "u-x"), view.id)
    assert [c.holder_id for c in (await links.eligible_clients(uow, ADA)).items] == ["H1", "H2"]


async def test_executing_a_link_changes_usernames_devices_and_publishes_once() -> None:
    uow = book()
    view = await confirmed(uow)
    request = await uow.requests.claim_due(NOW + timedelta(days=3))
    assert request is not None and request.id == view.id
    await execute(uow, request, NOW + timedelta(days=3))
    assert not uow.accounts.rows["U2"].username_active and uow.accounts.rows["U1"].username_active
    assert uow.accounts.rows["U1"].profile["residential_address"] == "9 Elm St"
    gold = next(d for d in uow.devices.rows.values() if d.account_number == "U2")
    assert (gold.status, gold.charge_status) == (DeviceStatus.DEACTIVATED,
                                                 ChargeStatus.DUE_UNLESS_RETURNED)  # fmt: skip
    alpine = next(d for d in uow.devices.rows.values() if d.account_number == "U1")
    assert alpine.status is DeviceStatus.ACTIVE
    events = [e for _, e in uow.published]
    linked = [e for e in events if isinstance(e, AccountsLinked)]
    assert len(linked) == 1 and linked[0].linked_accounts == ["U1", "U2"]
    assert linked[0].shares_fee_minimums and linked[0].consolidated_reporting
    assert [e.username for e in events if isinstance(e, UsernameDeactivated)] == ["userU2"]
    assert [e.charge_usd for e in events if isinstance(e, DeviceChanged)] == [gold.charge_usd]
    assert uow.requests.rows[view.id].status is LinkStatus.EXECUTED
    assert await uow.requests.claim_due(NOW + timedelta(days=30)) is None


async def test_an_account_closed_before_the_batch_fails_the_link_whole() -> None:
    uow = book()
    await confirmed(uow)
    uow.accounts.rows["U2"].open = False
    request = await uow.requests.claim_due(NOW + timedelta(days=3))
    assert request is not None
    with pytest.raises(Conflict):
        await execute(uow, request, NOW + timedelta(days=3))
    assert uow.accounts.rows["U1"].username_active and uow.accounts.rows["U2"].linked_into is None
