"""Client reports (A10) on the real broker and PostgreSQL: a statement over HTTP whose totals
reconcile with the transactions it lists; another master's account, one out of the caller's
scope and a caller without the right are refused; a monthly schedule delivers its period once
although its job runs again and the service restarts, and the communication center emails the
PDF to the email of record and reports back; a group's statements are built in the background;
linked accounts have a consolidated statement only for a caller who may see all of them."""

from __future__ import annotations

import email
import io
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from contracts.access import Access, ClientScope, Right
from services.analytics.domain.ledger import LedgerRow
from services.analytics.domain.master_days import MasterZone
from services.analytics.domain.statistics import ContactState, GroupMembers
from services.analytics.service_layer.reports import deliver_scheduled_pass
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.analytics.store.report_tables import report_deliveries
from services.runtime.clock import FrozenClock
from services.runtime.db import Database
from tests.integration.conftest import Book, RunningService, a_master, eventually, unique_database
from tests.integration.test_message_delivery import messaging, plain

pytestmark = pytest.mark.integration

D = Decimal
STATEMENT = {"period_start": "2026-03-01", "period_end": "2026-03-31"}


def _row(master: str, account: str, tid: str, kind: str, day: int, amount: str, flow: str = "0",
         status: str = "completed") -> LedgerRow:  # fmt: skip
    return LedgerRow(transaction_id=tid, account_number=account, master_account_id=master, kind=kind,
                     booked_on=date(2026, 3, day), amount=D(amount), currency="USD", method="wire",
                     status=status, flow=D(flow))  # fmt: skip


async def seed_account(service: RunningService, master: str, account: str, *, contact: uuid.UUID | None = None) -> None:  # fmt: skip
    """An account of the master as analytics' read models hold it after the back office's
    events: facts, daily values and flows, ledger rows (and its client's contact)."""
    database: Database[SqlAnalyticsUnitOfWork] = service.app.state.context.database
    at = datetime(2026, 2, 1, tzinfo=UTC)
    async with database.transaction() as uow:
        await uow.account_facts.ensure([(master, account, at)])
        await uow.ledger.add([
            _row(master, account, f"{account}-1", "deposit", 2, "5000.00", "5000.00"),
            _row(master, account, f"{account}-2", "dividend", 10, "12.34"),
            _row(master, account, f"{account}-3", "withdrawal", 16, "1500.00", "-1500.00"),
            _row(master, account, f"{account}-4", "withdrawal", 20, "800.00", status="pending"),
            _row(master, account, f"{account}-5", "interest", 27, "3.21"),
        ])  # fmt: skip
        values = {(account, date(2026, 2, 27)): (master, D("100000.00")),
                  (account, date(2026, 3, 2)): (master, D("105100.00")),
                  (account, date(2026, 3, 31)): (master, D("104420.77"))}  # fmt: skip
        await uow.account_days.set_values(values)
        await uow.account_days.add_flows({(account, date(2026, 3, 2)): (master, D("5000.00")),
                                          (account, date(2026, 3, 16)): (master, D("-1500.00"))})  # fmt: skip
        if contact is not None:
            await uow.contact_states.upsert([ContactState(contact, master, 1, "client", "open", False,
                                                          account_number=account)])  # fmt: skip


async def test_a_statement_reconciles_and_stays_within_reach(
    analytics_service: RunningService,
) -> None:
    master = a_master()
    account = f"R{master[1:8]}"
    await seed_account(analytics_service, master, account)
    book = Book(analytics_service, master)
    found = await book.ok("GET", f"/reports/accounts/{account}/statement", params=STATEMENT)
    s = {k: D(v) if isinstance(v, str) and k != "opening_as_of" and k != "closing_as_of" else v
         for k, v in found["summary"].items()}  # fmt: skip
    listed = found["transactions"]
    assert len(listed) == 5
    assert s["net_flows"] == sum(D(t["flow"]) for t in listed) == D("3500.00")
    for total in found["totals"]:
        rows = [t for t in listed if t["kind"] == total["kind"] and t["status"] == "completed"]
        assert D(total["amount"]) == sum(D(t["amount"]) for t in rows) and total["count"] == len(
            rows
        )
    assert (
        s["opening_nav"] + s["net_flows"] + s["dividends"] + s["interest"] + s["change_in_value"]
        == s["closing_nav"]
    )
    assert found["returns"]["twr"] is not None and found["returns"]["mwr"] is not None
    pdf = await book.call("GET", f"/reports/accounts/{account}/statement.pdf", params=STATEMENT)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv_file = await book.call(
        "GET", f"/reports/accounts/{account}/statement.csv", params=STATEMENT
    )
    assert csv_file.status_code == 200 and b"Transactions,Total" in csv_file.content

    other = Book(analytics_service)  # another master: as if the account did not exist
    await other.refused(404, "GET", f"/reports/accounts/{account}/statement", params=STATEMENT)
    await other.refused(404, "POST", f"/reports/accounts/{account}/deliveries", json=STATEMENT)
    scoped = Book(analytics_service, master)
    scoped.headers = analytics_service.as_master(master, "u-scoped", Access(
        rights=frozenset({Right.ACTIVITY_STATEMENT}), scope=ClientScope(all_clients=False, account_numbers=frozenset({"Z0000001"}))))  # fmt: skip
    await scoped.refused(404, "GET", f"/reports/accounts/{account}/statement", params=STATEMENT)
    crm_only = Book(analytics_service, master)
    crm_only.headers = analytics_service.as_master(master, "u-crm", Access(rights=frozenset({Right.CRM}), scope=ClientScope()))  # fmt: skip
    await crm_only.refused(403, "GET", f"/reports/accounts/{account}/statement", params=STATEMENT)
    analyst = Book(analytics_service, master)  # PortfolioAnalyst only: no statements
    analyst.headers = analytics_service.as_master(master, "u-pa", Access(rights=frozenset({Right.PORTFOLIO_ANALYST}), scope=ClientScope()))  # fmt: skip
    await analyst.refused(403, "GET", f"/reports/accounts/{account}/statement", params=STATEMENT)
    await analyst.ok("GET", f"/reports/accounts/{account}/performance", params=STATEMENT)
    await book.refused(422, "GET", f"/reports/accounts/{account}/statement",
                       params={"period_start": "2026-03-31", "period_end": "2026-03-01"})  # fmt: skip


async def test_a_consolidated_statement_sums_the_linked_accounts_within_reach(
    analytics_service: RunningService,
) -> None:
    master = a_master()
    first, second = f"R{master[1:8]}", f"S{master[1:8]}"
    for account in (first, second):
        await seed_account(analytics_service, master, account)
    database: Database[SqlAnalyticsUnitOfWork] = analytics_service.app.state.context.database
    async with database.transaction() as uow:  # the linkage service's Friday batch linked them
        request, at = uuid.uuid4(), datetime(2026, 4, 3, 18, tzinfo=UTC)
        await uow.account_links.add([
            {"request_id": request, "account_number": a, "master_account_id": master,
             "surviving_account": first, "executed_at": at} for a in (first, second)])  # fmt: skip
    book = Book(analytics_service, master)
    path = f"/reports/accounts/{second}"
    assert (await book.ok("GET", f"{path}/consolidation"))["accounts"] == [first, second]
    one = await book.ok("GET", f"{path}/statement", params=STATEMENT)
    group = await book.ok("GET", f"{path}/statement", params={**STATEMENT, "consolidated": "true"})
    assert group["accounts"] == [first, second] and one["accounts"] == []
    for name in ("opening_nav", "net_flows", "closing_nav", "change_in_value"):
        assert D(group["summary"][name]) == 2 * D(one["summary"][name]), name
    assert len(group["transactions"]) == 10
    assert {t["account_number"] for t in group["transactions"]} == {first, second}
    assert D(group["summary"]["net_flows"]) == sum(D(t["flow"]) for t in group["transactions"])
    assert group["returns"]["twr"] == one["returns"]["twr"]  # two equal accounts: the same TWR
    csv_file = await book.call("GET", f"{path}/statement.csv",
                               params={**STATEMENT, "consolidated": "true"})  # fmt: skip
    assert csv_file.status_code == 200 and b"Linked accounts" in csv_file.content
    assert "consolidated-statement" in csv_file.headers["content-disposition"]

    scoped = Book(analytics_service, master)  # sees the second account only
    scoped.headers = analytics_service.as_master(master, "u-scoped", Access(
        rights=frozenset({Right.ACTIVITY_STATEMENT}), scope=ClientScope(all_clients=False, account_numbers=frozenset({second}))))  # fmt: skip
    await scoped.ok("GET", f"{path}/statement", params=STATEMENT)
    assert (await scoped.ok("GET", f"{path}/consolidation"))["accounts"] == []
    await scoped.refused(404, "GET", f"{path}/statement.pdf", params={**STATEMENT, "consolidated": "true"})  # fmt: skip
    alone = f"Q{master[1:8]}"
    await seed_account(analytics_service, master, alone)
    await book.refused(404, "GET", f"/reports/accounts/{alone}/statement",
                       params={**STATEMENT, "consolidated": "true"})  # fmt: skip


async def count_deliveries(database: Database[Any], schedule_id: str) -> int:
    async with database.unit_of_work() as uow:
        found = await uow.session.scalar(select(func.count()).select_from(report_deliveries).where(
            report_deliveries.c.schedule_id == uuid.UUID(schedule_id)))  # fmt: skip
    return int(found or 0)


async def test_a_schedule_delivers_each_period_once_across_a_restart(
    analytics_service: RunningService, kafka_bootstrap: str, postgres_server: str, tmp_path: Path
) -> None:
    master = a_master()
    mail_dir = tmp_path / "mail"
    async with messaging(
        kafka_bootstrap, unique_database(postgres_server, "messaging"), mail_dir
    ) as mail:
        account = f"S{master[1:8]}"
        connection = await asyncpg.connect(
            plain(mail.database_url)
        )  # the client, as messaging knows it
        try:
            await connection.execute(
                "INSERT INTO clients (contact_id, master_account_id, kind, first_name, last_name,"
                " account_number, email, status, closed, removed, version)"
                " VALUES ($1, $2, 'client', 'Ada', 'Lovelace', $3, 'ada@example.com', 'approved',"
                " false, false, 1)", uuid.uuid4(), master, account)  # fmt: skip
        finally:
            await connection.close()
        await seed_account(analytics_service, master, account)
        book = Book(analytics_service, master)
        schedule = await book.ok("POST", f"/reports/accounts/{account}/schedules", 201,
                                 json={"report": "statement", "frequency": "monthly"})  # fmt: skip
        starts = date.fromisoformat(schedule["starts_on"])
        # the first day after the month holding the schedule's first day: that month is due
        following = (starts.replace(day=1) + timedelta(days=32)).replace(day=1)
        clock = FrozenClock(
            datetime.combine(following, datetime.min.time(), UTC) + timedelta(hours=6)
        )
        database = analytics_service.app.state.context.database
        assert await deliver_scheduled_pass(database, clock) is False
        await deliver_scheduled_pass(database, clock)  # the job's next pass: nothing more
        restarted: Database[SqlAnalyticsUnitOfWork] = Database(
            database.url, unit_of_work=SqlAnalyticsUnitOfWork, pool_size=2
        )  # a new process on the same database
        try:
            clock.advance(timedelta(days=3))
            await deliver_scheduled_pass(restarted, clock)
        finally:
            await restarted.dispose()
        assert await count_deliveries(database, schedule["id"]) == 1

        async def delivered() -> Any:
            items = (await book.ok("GET", f"/reports/accounts/{account}/deliveries"))["items"]
            return items if items and items[0]["status"] != "requested" else None

        [delivery] = await eventually(delivered, within=60)
        assert (delivery["status"], delivery["schedule_id"]) == ("sent", schedule["id"])
        assert delivery["period_start"] == starts.replace(day=1).isoformat()
        sent = [
            email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in mail_dir.glob("*.eml")
        ]
        mine = [m for m in sent if delivery["id"] in str(m["Message-ID"])]
        assert len(mine) == 1 and mine[0]["To"] == "ada@example.com"
        [attachment] = list(mine[0].iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content().startswith(b"%PDF")

        await book.ok("DELETE", f"/reports/accounts/{account}/schedules/{schedule['id']}", 204)
        assert (await book.ok("GET", f"/reports/accounts/{account}/schedules"))["items"] == []


async def test_a_schedules_periods_are_the_masters_days(analytics_service: RunningService) -> None:
    """A master in Los Angeles: its month ends at 08:00 UTC on the 1st (07:00 in summer), and
    the month is not due before."""
    master = a_master()
    account = f"Z{master[1:8]}"
    await seed_account(analytics_service, master, account)
    database = analytics_service.app.state.context.database
    async with database.unit_of_work() as uow:
        await uow.master_zones.upsert(
            [MasterZone(master, "America/Los_Angeles", datetime.now(UTC))]
        )
        await uow.commit()
    book = Book(analytics_service, master)
    schedule = await book.ok("POST", f"/reports/accounts/{account}/schedules", 201,
                             json={"report": "statement", "frequency": "monthly"})  # fmt: skip
    starts = date.fromisoformat(schedule["starts_on"])
    following = (starts.replace(day=1) + timedelta(days=32)).replace(day=1)
    clock = FrozenClock(datetime.combine(following, datetime.min.time(), UTC) + timedelta(hours=6))
    await deliver_scheduled_pass(database, clock)  # still the last day of the month in LA
    assert await count_deliveries(database, schedule["id"]) == 0
    clock.advance(timedelta(hours=3))  # 01:00 or 02:00 on the 1st in LA
    await deliver_scheduled_pass(database, clock)
    assert await count_deliveries(database, schedule["id"]) == 1


async def test_a_groups_statements_are_built_in_the_background(
    analytics_service: RunningService,
) -> None:
    master = a_master()
    group = uuid.uuid4()
    accounts = [f"G{master[1:7]}{i}" for i in range(3)]
    contacts = [uuid.uuid4() for _ in accounts]
    for account, contact in zip(accounts, contacts, strict=True):
        await seed_account(analytics_service, master, account, contact=contact)
    database: Database[SqlAnalyticsUnitOfWork] = analytics_service.app.state.context.database
    async with database.transaction() as uow:
        await uow.group_members.upsert([GroupMembers(group, master, 1, tuple(contacts))])
    book = Book(analytics_service, master)
    run = await book.ok("POST", "/reports/statement-runs", 202, json={
        **STATEMENT, "target_kind": "group", "target_id": str(group), "target_name": "Family", "output": "zip"})  # fmt: skip
    assert (run["total"], run["done"], run["status"]) == (3, 0, "queued")

    async def finished() -> Any:
        found = await book.ok("GET", f"/reports/statement-runs/{run['id']}")
        return found if found["status"] == "done" else None

    done = await eventually(finished, within=60)
    assert done["done"] == 3
    result = await book.call("GET", f"/reports/statement-runs/{run['id']}/result")
    with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
        assert sorted(archive.namelist()) == [
            f"statement-{a}-2026-03-01-2026-03-31.pdf" for a in accounts
        ]
    other_user = Book(analytics_service, master, user="u-other")  # a run is its requester's only
    await other_user.refused(404, "GET", f"/reports/statement-runs/{run['id']}")
    await book.refused(404, "POST", "/reports/statement-runs", json={
        **STATEMENT, "target_kind": "group", "target_id": str(uuid.uuid4())})  # fmt: skip
