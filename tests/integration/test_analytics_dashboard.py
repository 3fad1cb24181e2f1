"""The dashboard, transaction history, client data queries and timeline (A1-A3, X6) on real
PostgreSQL (and, once, the real broker): events in through the batch use cases, answers through
the analytics service's API, within the caller's rights and client scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import (
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
    CorporateActionAnnounced,
    CorporateActionKind,
    Deposit,
    DividendPaid,
    InterestPaid,
    NetAssetValueReported,
    Position,
    PositionsReported,
    TradeExecuted,
    TradeSide,
    Withdrawal,
)
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.crm import NoteChanged
from contracts.envelope import Envelope, Event
from services.analytics import handlers
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.db import Database
from tests.integration.conftest import RunningService, a_master, eventually, publish

TODAY = datetime.now(UTC).date()
TABLES = {**handlers.CONTACT_HANDLERS, **handlers.CRM_HANDLERS, **handlers.LIFECYCLE_HANDLERS,
          **handlers.TRANSACTION_HANDLERS, **handlers.VALUATION_HANDLERS,
          **handlers.CORPORATE_ACTION_HANDLERS}  # fmt: skip


class Feed:
    """Applies events as the consumer does (one batch per call) and asks the API."""

    def __init__(self, service: RunningService, database: Database[Any], master: str) -> None:
        self.service, self.database, self.master = service, database, master

    async def apply(self, *events: Event, at: datetime | None = None) -> None:
        batch = [Delivery(e, Envelope.wrap(e, master_account_id=self.master, occurred_at=at))
                 for e in events]  # fmt: skip
        async with self.database.unit_of_work() as uow:
            for delivery in batch:  # runs of one handler, in order, as the runtime cuts them
                await TABLES[type(delivery.event)]([delivery], uow)
            await uow.commit()

    async def get(self, path: str, access: Access | None = None, /, **params: Any) -> Any:
        headers = self.service.as_master(self.master, "u-ada", access)
        return await self.service.http.get(path, headers=headers, params=params)

    async def ok(self, path: str, access: Access | None = None, /, **params: Any) -> Any:
        response = await self.get(path, access, **params)
        assert response.status_code == 200, response.text
        return (
            response.json() if path.endswith(("", "json")) and "csv" not in path else response.text
        )


@pytest_asyncio.fixture(loop_scope="session")
async def feed(analytics_service: RunningService) -> AsyncIterator[Feed]:
    database = Database(analytics_service.database_url, unit_of_work=SqlAnalyticsUnitOfWork)
    try:
        yield Feed(analytics_service, database, a_master())
    finally:
        await database.engine.dispose()


def applied(account: str, first: str, stage: ApplicationStage = ApplicationStage.OPEN,
            kind: AccountType = AccountType.INDIVIDUAL) -> ApplicationStatusChanged:  # fmt: skip
    return ApplicationStatusChanged(account_number=account, stage=stage, account_type=kind,
                                    applicant=Applicant(first_name=first, last_name="Example"))  # fmt: skip


def nav(account: str, day: date, value: int | str) -> NetAssetValueReported:
    return NetAssetValueReported(account_number=account, as_of=day, net_asset_value=Decimal(value))


def scoped(*accounts: str, rights: frozenset[Right] | None = None) -> Access:
    return Access(rights=rights or frozenset(Right) - {Right.MASTER_ACCOUNT},
                  scope=ClientScope(all_clients=False, account_numbers=frozenset(accounts)))  # fmt: skip


async def test_performance_query_matches_the_hand_computed_twr_within_scope(feed: Feed) -> None:
    """U100: the worked example of tests/unit/analytics/test_twr.py (TWR 2.7698 %, while the
    value rose 8 %); U200: a steady 1 % a day over three days (3.0301 %), no flows."""
    d0 = TODAY - timedelta(days=20)
    days = [d0 + timedelta(days=k) for k in range(4)]
    await feed.apply(applied("U10001", "Ada"), applied("U20002", "Grace"))
    await feed.apply(nav("U10001", days[0], 100_000), nav("U20002", days[0], 10_000))
    # the flows arrive after the values they belong to: the running TWR is redone
    await feed.apply(nav("U10001", days[1], 112_000), nav("U10001", days[2], 105_500),
                     nav("U10001", days[3], 108_000))  # fmt: skip
    await feed.apply(
        Deposit(account_number="U10001", transaction_id="T1", amount=Decimal(10_000),
                booked_on=days[1]),
        Withdrawal(account_number="U10001", transaction_id="T2", amount=Decimal(5_000),
                   booked_on=days[2]),
    )  # fmt: skip
    await feed.apply(nav("U20002", days[1], 10_100), nav("U20002", days[2], 10_201),
                     nav("U20002", days[3], "10303.01"))  # fmt: skip

    period = {"date_from": days[0].isoformat(), "date_to": days[3].isoformat()}
    found = await feed.ok("/queries/performance", above=-100, **period)
    twr = {row["account_number"]: row["twr_percent"] for row in found["rows"]}
    assert twr["U10001"] == pytest.approx(2.7697536, abs=1e-6)
    assert twr["U20002"] == pytest.approx(3.0301, abs=1e-6)
    above = await feed.ok("/queries/performance", above=2.9, **period)
    assert [r["account_number"] for r in above["rows"]] == ["U20002"]
    band = await feed.ok("/queries/performance", above=2, below=2.9, **period)
    assert [r["account_number"] for r in band["rows"]] == ["U10001"]
    only_u100 = await feed.ok("/queries/performance", scoped("U10001"), above=-100, **period)
    assert [r["account_number"] for r in only_u100["rows"]] == ["U10001"]
    assert (await feed.get("/queries/performance", scoped("U10001", rights=frozenset({Right.CRM})),
                           above=1, **period)).status_code == 403  # fmt: skip
    assert (await feed.get("/queries/performance", **period)).status_code == 422  # no threshold

    # the dashboard's AUM: the two accounts' sum per day, and the master balance needs its right
    aum = await feed.ok("/dashboard/aum")
    if days[0].year == TODAY.year:
        last = aum["points"][-1]
        assert Decimal(last["assets"]) == Decimal("118303.01")
    assert (await feed.get("/dashboard/master-balance", scoped("U10001"))).status_code == 403
    balance = await feed.ok("/dashboard/master-balance")
    assert balance["net_asset_value"] is None  # no value reported for the master itself


async def test_history_counts_symbol_activity_and_corporate_actions(feed: Feed) -> None:
    recent, old = TODAY - timedelta(days=3), TODAY - timedelta(days=120)
    await feed.apply(applied("U30003", "Linus"), applied("U40004", "Alan"))
    await feed.apply(
        Deposit(account_number="U30003", transaction_id="D1", amount=Decimal(500), method="ach",
                booked_on=recent),
        Deposit(account_number="U40004", transaction_id="D2", amount=Decimal(700), booked_on=recent,
                status="rejected"),
        Withdrawal(account_number="U30003", transaction_id="W-old", amount=Decimal(1), booked_on=old),
        TradeExecuted(account_number="U30003", trade_id="E1", symbol="VTI", side=TradeSide.BUY,
                      quantity=Decimal(3), price=Decimal(200), traded_on=recent),
        TradeExecuted(account_number="U30003", trade_id="E2", symbol="VTI", side=TradeSide.SELL,
                      quantity=Decimal(1), price=Decimal(201), traded_on=recent),
        DividendPaid(account_number="U30003", transaction_id="V1", symbol="VTI",
                     amount=Decimal(3), paid_on=recent),
        InterestPaid(account_number="U30003", transaction_id="I1", amount=Decimal(2),
                     paid_on=recent),
        InterestPaid(account_number="U30003", transaction_id="I2", amount=Decimal(2),
                     paid_on=recent),
    )  # fmt: skip
    await feed.apply(PositionsReported(account_number="U40004", as_of=old, positions=[
        Position(symbol="VTI", quantity=Decimal(5), market_value=Decimal(1000))]))  # fmt: skip

    page = await feed.ok("/transactions")
    assert {t["transaction_id"] for t in page["items"]} == {"D1", "D2"}  # 90 days, no trades
    assert page["methods"] == ["ach", "wire"] and page["statuses"] == ["completed", "rejected"]
    assert [
        t["transaction_id"] for t in (await feed.ok("/transactions", status="rejected"))["items"]
    ] == ["D2"]
    assert [
        t["transaction_id"] for t in (await feed.ok("/transactions", text="linus"))["items"]
    ] == ["D1"]
    assert (await feed.ok("/transactions", scoped("U40004")))["total"] == 1
    csv_text = (await feed.get("/transactions.csv", method="ach")).text
    assert csv_text.splitlines()[0].startswith("booked_on,account_number") and "D1" in csv_text
    assert (await feed.get("/transactions", date_from="2025-02-30")).status_code == 422

    counts = await feed.ok("/queries/transaction-count", date_from=old.isoformat(),
                           date_to=TODAY.isoformat(), threshold=2)  # fmt: skip
    assert counts["rows"] == [{"account_number": "U30003", "account_title": "Linus Example",
                               "trades": 2, "dividends": 1, "position_transfers": 0, "total": 3}]  # fmt: skip
    held = await feed.ok("/queries/symbol", symbol="vti", date_from=(recent - timedelta(days=1)).isoformat(),
                         date_to=TODAY.isoformat())  # fmt: skip
    assert {(r["account_number"], r["trades"], r["held"]) for r in held["rows"]} == {
        ("U30003", 2, False), ("U40004", 0, True)}  # fmt: skip

    # pending items: funding of the last ten days, filter and account search
    pending = await feed.ok("/dashboard/pending-items", item_type="funding")
    assert {i["account_number"] for i in pending["items"]} >= {"U30003", "U40004"}
    assert {
        i["account_number"]
        for i in (await feed.ok("/dashboard/pending-items", account="U40"))["items"]
    } == {"U40004"}
    assert (await feed.ok("/dashboard/pending-items", item_type="transfer"))["items"] == []

    # a voluntary corporate action takes elections for affected accounts in scope, until its deadline
    voluntary = CorporateActionAnnounced(action_id=f"CA-{uuid4().hex[:6]}", kind=CorporateActionKind.VOLUNTARY,
        symbol="VTI", description="Tender offer", ex_date=TODAY + timedelta(days=10),
        election_deadline=TODAY + timedelta(days=5), affected_accounts=["U30003", "U40004"])  # fmt: skip
    mandatory = voluntary.model_copy(update={"action_id": voluntary.action_id + "M",
        "kind": CorporateActionKind.MANDATORY, "election_deadline": None})  # fmt: skip
    await feed.apply(voluntary, mandatory)
    actions = await feed.ok("/dashboard/corporate-actions", scoped("U30003"))
    assert {a["action_id"]: a["accounts"] for a in actions["items"]} == {
        voluntary.action_id: ["U30003"],
        mandatory.action_id: ["U30003"],
    }
    headers = feed.service.as_master(feed.master, "u-ada", scoped("U30003"))
    path = f"/dashboard/corporate-actions/{voluntary.action_id}/elections"
    http = feed.service.http
    answer = await http.post(
        path, headers=headers, json={"account_number": "U30003", "choice": "participate"}
    )
    assert answer.status_code == 201, answer.text
    assert (
        await http.post(
            path, headers=headers, json={"account_number": "U40004", "choice": "decline"}
        )
    ).status_code == 404
    assert (await http.post(f"/dashboard/corporate-actions/{mandatory.action_id}/elections", headers=headers,
                            json={"account_number": "U30003", "choice": "decline"})).status_code == 409  # fmt: skip
    shown = await feed.ok("/dashboard/corporate-actions")
    assert {a["action_id"]: a["elections"] for a in shown["items"]}[voluntary.action_id] == {
        "U30003": "participate"
    }


async def test_the_timeline_gathers_a_clients_events_through_the_broker(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master, account = a_master(), "U" + str(uuid4().int)[:6]
    client = ContactSnapshot(contact_id=uuid4(), version=1, kind=ContactKind.CLIENT,
                             first_name="Ada", last_name="Lovelace", account_number=account,
                             status=ApplicationStage.OPEN)  # fmt: skip
    now = datetime.now(UTC)
    note = NoteChanged(contact_id=client.contact_id, changed_by="u-ada", version=1, note_id=uuid4(),
                       author_user_id="u-ada", body="Called about the rollover", created_at=now,
                       updated_at=now)  # fmt: skip
    await publish(
        kafka_bootstrap, topics.CONTACTS.name, ContactCreated(contact=client), master=master
    )
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, note, master=master)
    await publish(kafka_bootstrap, topics.ACCOUNT_TRANSACTIONS.name,
                  Deposit(account_number=account, transaction_id="TL1", amount=Decimal(900),
                          booked_on=TODAY), master=master)  # fmt: skip
    path = f"/contacts/{client.contact_id}/timeline"
    headers = analytics_service.as_master(master, "u-ada")

    async def three() -> bool:
        answer = await analytics_service.http.get(path, headers=headers)
        return answer.status_code == 200 and answer.json()["total"] == 3

    assert await eventually(three)
    notes = (
        await analytics_service.http.get(path, headers=headers, params={"category": "note"})
    ).json()
    assert [e["summary"] for e in notes["items"]] == ["Note added: Called about the rollover"]
    found = (await analytics_service.http.get(path, headers=headers, params={"text": "900"})).json()
    assert found["items"][0]["category"] == "transaction"
    # out of the caller's scope: the same 404 as another master's contact
    other = analytics_service.as_master(master, "u-bob", scoped("U999999"))
    assert (await analytics_service.http.get(path, headers=other)).status_code == 404
    assert (
        await analytics_service.http.get(path, headers=analytics_service.as_master(a_master()))
    ).status_code == 404
