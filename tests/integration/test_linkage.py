"""Account linkage on the real PostgreSQL (and broker): the wizard step by step with its
refusals, a request confirmed on Tuesday executed by Friday's batch and not before, what the
batch changes (usernames, devices, charges, events), a batch crashing between and within items
and run again (each link exactly once), a batch process SIGKILLed in the middle of an item and
run again (each link, username, device, charge and event exactly once, in the outbox and on the
topics), and the client scope."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.account_profiles import (
    AccountProfileReported,
    BankingInstruction,
    ResidentialAddress,
    SecurityDeviceIssued,
)
from contracts.accounts import AccountOpened, AccountType
from contracts.envelope import Envelope, Event
from contracts.users import MasterChanged
from services.linkage.service_layer import directory
from services.linkage.service_layer.batch import RETRY_AFTER, run_batch
from services.runtime.clock import FrozenClock
from services.runtime.consumers import Delivery
from tests.integration.conftest import (
    RunningService,
    a_master,
    eventually,
    read_topic,
    unique_database,
)

pytestmark = pytest.mark.integration

TUESDAY = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
ZONE = "America/New_York"


@asynccontextmanager
async def linkage_on(kafka: str, database_url: str,
                     clock: FrozenClock) -> AsyncIterator[RunningService]:  # fmt: skip
    """The linkage service on a frozen clock, without its subscriptions and background jobs:
    the tests feed its read models through the handlers' use cases and run the batch and the
    activation passes themselves (the end-to-end tests cover the subscriptions). Its outbox
    relay runs."""
    import httpx

    from services.linkage.app import DEFINITION
    from services.runtime.service import create_service

    settings = DEFINITION.load_settings(
        database_url=database_url, kafka_bootstrap_servers=kafka, outbox_poll_seconds=0.2
    )
    app = create_service(replace(DEFINITION, subscriptions=(), jobs=()), settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://linkage") as http:
            yield RunningService(app, http, database_url)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def linkage(
    kafka_bootstrap: str, postgres_server: str
) -> AsyncIterator[tuple[RunningService, FrozenClock]]:
    clock = FrozenClock(TUESDAY)
    async with linkage_on(kafka_bootstrap, unique_database(postgres_server, "linkage"),
                          clock) as service:  # fmt: skip
        yield service, clock


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def feed(service: RunningService, handler: Any, events: Sequence[Event], master: str,
               at: datetime = TUESDAY - timedelta(days=30)) -> None:  # fmt: skip
    database = service.app.state.context.database
    async with database.unit_of_work() as uow:
        await handler([Delivery(e, Envelope.wrap(e, master_account_id=master, occurred_at=at))
                       for e in events], uow)  # fmt: skip
        await uow.commit()


def profile(account: str, holder: str, username: str, *, street: str = "1 Main St",
            banking: Sequence[str] = ()) -> AccountProfileReported:  # fmt: skip
    return AccountProfileReported(
        account_number=account, holder_id=holder, username=username, first_name="Ada",
        last_name="Lovelace", email="ada@example.com", date_of_birth=date(1980, 12, 10),
        residential_address=ResidentialAddress(street=street, city="New York", country="US"),
        banking_instructions=[BankingInstruction(instruction_id=i, method="ach",
                                                 bank_name="First Bank", account_ending="1234")
                              for i in banking], version=1)  # fmt: skip


async def a_client(service: RunningService, master: str, holder: str, *,
                   devices: Sequence[str] = ("alpine", "gold"),
                   streets: Sequence[str] = ("1 Main St", "9 Elm St")) -> list[str]:  # fmt: skip
    """A holder with one open account per device kind: the first device is the strongest."""
    base = int(uuid4().int % 10**6)
    accounts = [f"U{base + i:07d}" for i in range(len(devices))]
    await feed(service, directory.apply_profiles, [
        profile(a, holder, f"{holder.lower()}{i}", street=streets[i % len(streets)],
                banking=[f"BI-{a}"]) for i, a in enumerate(accounts)], master)  # fmt: skip
    await feed(service, directory.apply_lifecycle, [
        AccountOpened(account_number=a, account_type=AccountType.INDIVIDUAL,
                      opened_on=date(2026, 1, 5)) for a in accounts], master)  # fmt: skip
    await feed(service, directory.apply_devices_issued, [
        SecurityDeviceIssued(account_number=a, serial_number=f"SN{a[1:]}{i}", device_kind=kind,
                             issued_on=date(2026, 1, 6))
        for i, (a, kind) in enumerate(zip(accounts, devices, strict=True))], master)  # fmt: skip
    return accounts


def headers(service: RunningService, master: str, access: Access | None = None) -> dict[str, str]:
    return service.as_master(master, "u-ada", access)


async def walk_to_confirmation(service: RunningService, master: str, holder: str,
                               accounts: list[str]) -> str:  # fmt: skip
    h = headers(service, master)
    started = await service.http.post("/link-requests", json={"holder_id": holder}, headers=h)
    assert started.status_code == 201, started.text
    rid = started.json()["id"]
    chosen = await service.http.put(f"/link-requests/{rid}/accounts", headers=h, json={
        "accounts": accounts, "surviving_account": accounts[0]})  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    done = await service.http.put(f"/link-requests/{rid}/reconciliation", headers=h, json={
        "choices": {"residential_address": accounts[0]}})  # fmt: skip
    assert done.status_code == 200, done.text
    banked = await service.http.put(f"/link-requests/{rid}/banking", headers=h,
                                    json={"instruction_ids": [f"BI-{accounts[1]}"]})  # fmt: skip
    assert banked.status_code == 200, banked.text
    confirmed = await service.http.post(f"/link-requests/{rid}/confirm", headers=h)
    assert confirmed.status_code == 200, confirmed.text
    return str(rid)


async def outbox_types(service: RunningService, request_or_account: str) -> list[str]:
    connection = await asyncpg.connect(plain(service.database_url))
    try:
        rows = await connection.fetch(
            "SELECT envelope->>'type' AS type FROM outbox WHERE envelope::text LIKE $1",
            f"%{request_or_account}%")  # fmt: skip
    finally:
        await connection.close()
    return [row["type"] for row in rows]


async def test_wizard_refusals_then_friday_batch_executes_and_not_before(linkage: Any) -> None:
    service, clock = linkage
    clock.set(TUESDAY)
    master, holder = a_master(), f"H{uuid4().hex[:8].upper()}"
    await feed(service, directory.apply_masters, [MasterChanged(
        master_account_id=master, name="Firm", time_zone=ZONE, changed_at=TUESDAY)], master)  # fmt: skip
    accounts = await a_client(service, master, holder)  # alpine first, gold second
    h = headers(service, master)

    eligible = (await service.http.get("/eligible-clients", headers=h)).json()["items"]
    assert [(c["holder_id"], c["accounts"]) for c in eligible] == [(holder, accounts)]
    rid = (await service.http.post("/link-requests", json={"holder_id": holder},
                                   headers=h)).json()["id"]  # fmt: skip
    # one client at a time, and the same client resumes
    again = await service.http.post("/link-requests", json={"holder_id": holder}, headers=h)
    assert again.status_code == 200 and again.json()["id"] == rid
    # a lower-level device on the survivor is refused, with the reason
    lower = await service.http.put(f"/link-requests/{rid}/accounts", headers=h, json={
        "accounts": accounts, "surviving_account": accounts[1]})  # fmt: skip
    assert lower.status_code == 422
    reason = lower.json()["detail"][0]["msg"]
    assert "highest-level security device" in reason and accounts[0] in reason
    assert "Alpine" in reason
    # steps in order
    early = await service.http.post(f"/link-requests/{rid}/confirm", headers=h)
    assert early.status_code == 409
    chosen = await service.http.put(f"/link-requests/{rid}/accounts", headers=h, json={
        "accounts": accounts, "surviving_account": accounts[0]})  # fmt: skip
    assert chosen.status_code == 200
    assert [d["field"] for d in chosen.json()["differences"]] == ["residential_address"]
    # differing addresses must be reconciled before confirming
    skipped = await service.http.put(f"/link-requests/{rid}/reconciliation", headers=h,
                                     json={"choices": {}})  # fmt: skip
    assert skipped.status_code == 422
    assert skipped.json()["detail"][0]["loc"][-1] == "residential_address"
    assert (await service.http.put(f"/link-requests/{rid}/banking", headers=h,
                                   json={"instruction_ids": []})).status_code == 409  # fmt: skip
    assert (await service.http.post(f"/link-requests/{rid}/confirm", headers=h)).status_code == 409
    kept = await service.http.put(f"/link-requests/{rid}/reconciliation", headers=h, json={
        "choices": {"residential_address": accounts[1]}})  # fmt: skip
    assert kept.json()["profile"]["residential_address"].startswith("9 Elm St")
    banking = await service.http.put(f"/link-requests/{rid}/banking", headers=h,
                                     json={"instruction_ids": ["BI-NOPE"]})  # fmt: skip
    assert banking.status_code == 422
    await service.http.put(f"/link-requests/{rid}/banking", headers=h,
                           json={"instruction_ids": [f"BI-{accounts[1]}"]})  # fmt: skip
    confirmed = (await service.http.post(f"/link-requests/{rid}/confirm", headers=h)).json()
    assert confirmed["status"] == "confirmed"
    friday = datetime.fromisoformat(confirmed["execute_after"])
    assert friday == datetime(2026, 3, 6, 11, 0, tzinfo=UTC)  # Friday 06:00 in New York

    database = service.app.state.context.database
    for moment in (TUESDAY + timedelta(days=1), friday - timedelta(seconds=1)):
        clock.set(moment)
        assert await run_batch(database.unit_of_work, clock.now) == 0
    assert (await service.http.get(f"/link-requests/{rid}", headers=h)).json()["status"] == (
        "confirmed"
    )
    clock.set(friday)
    assert await run_batch(database.unit_of_work, clock.now) == 1
    assert await run_batch(database.unit_of_work, clock.now) == 0

    view = (await service.http.get(f"/link-requests/{rid}", headers=h)).json()
    assert view["status"] == "executed"
    actives = {a["account_number"]: a["username_active"] for a in view["available"]}
    assert actives == {accounts[0]: True, accounts[1]: False}
    gold = (await service.http.get(f"/accounts/{accounts[1]}/devices", headers=h)).json()
    assert [(d["kind"], d["status"], d["charge_usd"], d["charge_status"])
            for d in gold["devices"]] == [("gold", "deactivated", "100.00",
                                           "due_unless_returned")]  # fmt: skip
    alpine = (await service.http.get(f"/accounts/{accounts[0]}/devices", headers=h)).json()
    assert [d["status"] for d in alpine["devices"]] == ["active"]
    assert (
        sorted(await outbox_types(service, accounts[1])).count("linkage.username_deactivated") == 1
    )
    linked = [t for t in await outbox_types(service, rid) if t == "linkage.accounts_linked"]
    assert linked == ["linkage.accounts_linked"]
    # nothing more is possible on an executed request
    assert (await service.http.post(f"/link-requests/{rid}/cancel", headers=h)).status_code == 409


async def test_batch_crashing_between_and_within_items_applies_each_link_once(linkage: Any) -> None:
    service, clock = linkage
    clock.set(TUESDAY)
    master = a_master()
    first_holder, second_holder = (f"H{uuid4().hex[:8].upper()}" for _ in range(2))
    first = await a_client(service, master, first_holder)
    second = await a_client(service, master, second_holder)
    one = await walk_to_confirmation(service, master, first_holder, first)
    two = await walk_to_confirmation(service, master, second_holder, second)
    clock.set(TUESDAY + timedelta(days=4))  # Saturday: both due (UTC master)
    database = service.app.state.context.database

    class Killed(BaseException):
        """Stands for the process dying: nothing after it runs."""

    async def die(_: Any) -> None:
        raise Killed

    with pytest.raises(Killed):
        await run_batch(database.unit_of_work, clock.now, after_each=die)
    statuses = {rid: (await service.http.get(f"/link-requests/{rid}",
                                             headers=headers(service, master))).json()["status"]
                for rid in (one, two)}  # fmt: skip
    assert sorted(statuses.values()) == ["confirmed", "executed"]

    # the next item fails half-way (its second event cannot be written): nothing of it stays
    from services.linkage.service_layer import batch

    real = batch.publish_device

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    batch.publish_device = broken  # type: ignore[assignment]
    try:
        assert await run_batch(database.unit_of_work, clock.now) == 0
    finally:
        batch.publish_device = real  # type: ignore[assignment]
    pending = next(rid for rid, status in statuses.items() if status == "confirmed")
    view = (
        await service.http.get(f"/link-requests/{pending}", headers=headers(service, master))
    ).json()
    assert view["status"] == "confirmed" and "disk is full" in view["last_error"]
    assert all(a["username_active"] for a in view["available"])  # not half applied
    clock.set(clock.now() + RETRY_AFTER)
    assert await run_batch(database.unit_of_work, clock.now) == 1
    assert await run_batch(database.unit_of_work, clock.now) == 0
    for rid in (one, two):
        assert [t for t in await outbox_types(service, rid)
                if t == "linkage.accounts_linked"] == ["linkage.accounts_linked"]  # fmt: skip
    for accounts in (first, second):
        assert (await outbox_types(service, accounts[1])).count("linkage.username_deactivated") == 1


async def test_scope_and_rights(linkage: Any) -> None:
    service, clock = linkage
    clock.set(TUESDAY)
    master, holder = a_master(), f"H{uuid4().hex[:8].upper()}"
    accounts = await a_client(service, master, holder)
    outsider = Access(
        rights=frozenset({Right.ACCOUNT_LINKAGE}),
        scope=ClientScope(all_clients=False, account_numbers=frozenset({"U0000001"})),
    )
    h = headers(service, master, outsider)
    assert (await service.http.get("/eligible-clients", headers=h)).json()["items"] == []
    assert (await service.http.post("/link-requests", json={"holder_id": holder},
                                    headers=h)).status_code == 404  # fmt: skip
    assert (await service.http.get(f"/accounts/{accounts[0]}/devices",
                                   headers=h)).status_code == 404  # fmt: skip
    no_right = Access(rights=frozenset({Right.CRM}), scope=ClientScope.everything())
    assert (await service.http.get("/eligible-clients",
                                   headers=headers(service, master, no_right))).status_code == 403  # fmt: skip
    other_master = headers(service, a_master())
    assert (await service.http.get(f"/accounts/{accounts[0]}/devices",
                                   headers=other_master)).status_code == 404  # fmt: skip


KILLABLE_BATCH = """
import asyncio, sys
from datetime import datetime
from services.linkage.service_layer.batch import run_batch
from services.linkage.service_layer.unit_of_work import SqlLinkageUnitOfWork
from services.runtime.clock import FrozenClock
from services.runtime.db import Database

async def main() -> None:
    database = Database(sys.argv[1], pool_size=2, unit_of_work=SqlLinkageUnitOfWork)
    clock = FrozenClock(datetime.fromisoformat(sys.argv[2]))  # the Friday batch's time
    try:
        print("linked", await run_batch(database.unit_of_work, clock.now, limit=1000), flush=True)
    finally:
        await database.dispose()

asyncio.run(main())
"""


async def batch_process(database_url: str, at: datetime) -> asyncio.subprocess.Process:
    """The Friday batch in a process of its own, on an injected clock."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLABLE_BATCH, database_url, at.isoformat(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ},
    )  # fmt: skip


async def rows(database_url: str, query: str, *args: Any) -> list[Any]:
    connection = await asyncpg.connect(plain(database_url))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


@pytest.mark.timeout(300)
async def test_a_batch_sigkilled_in_the_middle_of_a_link_applies_each_link_once_when_rerun(
    kafka_bootstrap: str, postgres_server: str
) -> None:
    """Eight confirmed links; the batch runs in its own process and is SIGKILLed while it holds
    the fourth link half-applied (its accounts marked linked and its first event written, waiting
    for the devices this test holds locked), three links committed before it. Run again, the
    batch links the other five; every link, username deactivation, device deactivation with its
    return charge, history entry and event is there exactly once, in the outbox and on Kafka."""
    database_url = unique_database(postgres_server, "linkage_kill")
    clock = FrozenClock(TUESDAY)
    async with linkage_on(kafka_bootstrap, database_url, clock) as service:
        master = a_master()
        await feed(service, directory.apply_masters, [MasterChanged(
            master_account_id=master, name="Firm", time_zone=ZONE, changed_at=TUESDAY)], master)  # fmt: skip
        clients: dict[str, list[str]] = {}
        for _ in range(8):  # alpine on the kept account, gold (returned or charged) on the other
            holder = f"H{uuid4().hex[:8].upper()}"
            clients[holder] = await a_client(service, master, holder)
            await walk_to_confirmation(service, master, holder, clients[holder])
        order = await rows(database_url, "SELECT id, accounts, surviving_account FROM "
                           "link_requests WHERE status = 'confirmed' ORDER BY execute_after, id")  # fmt: skip
        assert len(order) == 8
        friday = datetime(2026, 3, 6, 11, 1, tzinfo=UTC)  # Friday 06:01 in New York
        gate = order[3]  # the batch claims in this order: three links, then this one
        others = [a for a in gate["accounts"] if a != gate["surviving_account"]]

        holder_of_lock = await asyncpg.connect(plain(database_url))
        process = None
        try:
            locking = holder_of_lock.transaction()
            await locking.start()
            await holder_of_lock.execute(
                "SELECT id FROM devices WHERE account_number = ANY($1) FOR UPDATE", others
            )
            lock_pid = await holder_of_lock.fetchval("SELECT pg_backend_pid()")
            process = await batch_process(database_url, friday)

            async def blocked_in_the_fourth_link() -> list[Any]:
                executed = await rows(database_url, "SELECT count(*) AS n FROM link_requests "
                                      "WHERE status = 'executed'")  # fmt: skip
                waiting = await rows(database_url, "SELECT pid FROM pg_stat_activity WHERE "
                                     "$1 = ANY(pg_blocking_pids(pid))", lock_pid)  # fmt: skip
                return waiting if executed[0]["n"] == 3 else []

            waiting = await eventually(blocked_in_the_fourth_link, within=60, interval=0.05)
            process.send_signal(signal.SIGKILL)
            assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL
            at_kill = await rows(database_url, "SELECT status, count(*) AS n FROM link_requests "
                                 "GROUP BY status")  # fmt: skip
            assert {r["status"]: r["n"] for r in at_kill} == {"executed": 3, "confirmed": 5}
            await locking.rollback()

            async def dead_backend_gone() -> bool:
                left = await rows(database_url, "SELECT pid FROM pg_stat_activity WHERE "
                                  "pid = ANY($1)", [w["pid"] for w in waiting])  # fmt: skip
                return not left

            await eventually(dead_backend_gone, within=30, interval=0.05)
        finally:
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
            await holder_of_lock.close()

        rerun = await batch_process(database_url, friday)
        out, err = await asyncio.wait_for(rerun.communicate(), 120)
        assert rerun.returncode == 0, err.decode()
        assert out.decode().splitlines()[-1].split() == ["linked", "5"]
        again = await batch_process(database_url, friday + timedelta(minutes=1))
        out, err = await asyncio.wait_for(again.communicate(), 120)
        assert out.decode().splitlines()[-1].split() == ["linked", "0"], err.decode()

        statuses = await rows(database_url, "SELECT status, count(*) AS n FROM link_requests "
                              "GROUP BY status")  # fmt: skip
        assert {r["status"]: r["n"] for r in statuses} == {"executed": 8}
        accounts = await rows(database_url, "SELECT account_number, username_active, "
                              "linked_into FROM client_accounts WHERE master_account_id = $1", master)  # fmt: skip
        by_number = {r["account_number"]: r for r in accounts}
        for kept, other in clients.values():
            assert by_number[kept]["username_active"] and by_number[kept]["linked_into"] is None
            assert (by_number[other]["username_active"], by_number[other]["linked_into"]) == (
                False, kept)  # fmt: skip
        golds = await rows(database_url, "SELECT account_number, status, charge_usd, "
                           "charge_status FROM devices WHERE kind = 'gold'")  # fmt: skip
        assert sorted((g["account_number"], g["status"], str(g["charge_usd"]), g["charge_status"])
                      for g in golds) == sorted((other, "deactivated", "100.00", "due_unless_returned")
                                                for _, other in clients.values())  # fmt: skip
        history = Counter((r["action"], r["request_id"] or r["account_number"])
                          for r in await rows(database_url, "SELECT action, request_id::text, "
                                              "account_number FROM history"))  # fmt: skip
        assert [n for (action, _), n in history.items() if action == "executed"] == [1] * 8
        assert [n for (action, _), n in history.items()
                if action == "deactivated_by_link"] == [1] * 8  # fmt: skip

        expected = expected_events(clients, await rows(database_url, "SELECT envelope FROM outbox"))
        assert expected == {
            "accounts_linked": [1] * 8,
            "username_deactivated": [1] * 8,
            "executed": [1] * 8,
            "deactivated_by_link": [1] * 8,
        }

        async def relayed() -> bool:
            left = await rows(database_url, "SELECT count(*) AS n FROM outbox WHERE "
                              "published_at IS NULL")  # fmt: skip
            return left[0]["n"] == 0

        await eventually(relayed, within=60)
        on_kafka = [{"envelope": m} for topic in (topics.LINKAGE.name, topics.LINKAGE_DEVICES.name)
                    for m in await read_topic(kafka_bootstrap, topic)
                    if m["master_account_id"] == master]  # fmt: skip
        assert expected_events(clients, on_kafka) == expected


def expected_events(clients: dict[str, list[str]], events: Sequence[Any]) -> dict[str, list[int]]:
    """How many times each link's events are there: the accounts linked and the request executed
    per request, the username deactivated per other account, the device deactivated by the link
    (with its return charge) per gold device."""
    import json

    counts: Counter[tuple[str, str]] = Counter()
    others = {other for _, other in clients.values()}
    for row in events:
        envelope = row["envelope"]
        envelope = json.loads(envelope) if isinstance(envelope, str) else envelope
        payload = envelope["payload"]
        if (
            envelope["type"] == "linkage.accounts_linked"
            and payload["linked_accounts"][1] in others
        ):
            counts["accounts_linked", payload["request_id"]] += 1
        elif (
            envelope["type"] == "linkage.username_deactivated"
            and payload["account_number"] in others
        ):
            counts["username_deactivated", payload["account_number"]] += 1
        elif envelope["type"] == "linkage.request_changed" and payload["status"] == "executed":
            if set(payload["accounts"]) & others:
                counts["executed", payload["request_id"]] += 1
        elif (envelope["type"] == "linkage.device_changed" and payload["action"] == "deactivated_by_link"
              and payload["account_number"] in others):  # fmt: skip
            assert (payload["charge_usd"], payload["charge_status"]) == (
                "100.00",
                "due_unless_returned",
            )
            counts["deactivated_by_link", payload["account_number"]] += 1
    found: dict[str, list[int]] = {}
    for (kind, _), n in sorted(counts.items()):
        found.setdefault(kind, []).append(n)
    return found
