"""Linked accounts share activity-fee minimums (L3, A9) on the real broker and PostgreSQL: the
linkage service's ``linkage.accounts_linked`` (published twice, beside an event analytics does not
apply) reaches analytics' link groups; a per-trade template with a minimum invoices the group's
minimum once, on its primary account, and an unlinked account its own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts import topics
from contracts.accounts import AccountType, ApplicationStage, TradeExecuted, TradeSide
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.envelope import Envelope
from contracts.linkage import AccountsLinked, LinkRequestChanged, LinkStatus
from tests.integration.conftest import RunningService, a_master, eventually, publish


def client(number: str) -> ContactCreated:
    return ContactCreated(contact=ContactSnapshot(
        contact_id=uuid4(), version=1, kind=ContactKind.CLIENT, first_name="Lin", last_name="Ked",
        account_number=number, account_type=AccountType.INDIVIDUAL, status=ApplicationStage.OPEN,
        net_asset_value=Decimal("1000")))  # fmt: skip


async def test_a_link_event_makes_the_group_share_one_minimum(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    headers = analytics_service.as_master(master, "u-ada")
    http = analytics_service.http

    async def ok(method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = await http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expected, (path, response.text)
        return response.json()

    kept, other, alone = (f"L{k}{master[1:]}" for k in "KOA")
    trades = {kept: 4, other: 3, alone: 2}
    for number, count in trades.items():
        await publish(kafka_bootstrap, topics.CONTACTS.name, client(number), master=master)
        for n in range(count):
            await publish(kafka_bootstrap, topics.ACCOUNT_TRANSACTIONS.name, TradeExecuted(
                account_number=number, trade_id=f"t-{number}-{n}", symbol="MSFT", side=TradeSide.BUY,
                quantity=Decimal(1), price=Decimal(10), traded_on=date(2026, 1, 5 + n)), master=master)  # fmt: skip
    request = uuid4()
    executed = datetime(2025, 12, 5, 11, 0, tzinfo=UTC)
    await publish(kafka_bootstrap, topics.LINKAGE.name, LinkRequestChanged(
        request_id=request, holder_id="H1", status=LinkStatus.EXECUTED, step="executed",
        accounts=[kept, other], surviving_account=kept, changed_by="weekly-batch",
        changed_at=executed), master=master)  # fmt: skip
    link = AccountsLinked(request_id=request, holder_id="H1", surviving_account=kept,
                          surviving_username="lin", linked_accounts=[kept, other], profile={},
                          banking_instruction_ids=[], executed_at=executed)  # fmt: skip
    envelope = Envelope.wrap(link, master_account_id=master)
    for _ in range(2):  # delivered twice: applied once
        await publish(kafka_bootstrap, topics.LINKAGE.name, link, envelope=envelope)

    template = await ok("POST", "/fees/templates", 201, json={
        "name": "Activity", "kind": "per_trade", "amount": "1.00", "minimum": "120.00"})  # fmt: skip
    assert template["minimum"] == "120.00"

    async def configured() -> Any:
        for number in trades:
            response = await http.put("/fees/clients", headers=headers, json={
                "account_number": number, "template_id": template["id"]})  # fmt: skip
            if response.status_code != 200:  # the contact's facts not applied yet
                return None
        listed = {c["account_number"]: c["linked_accounts"]
                  for c in (await ok("GET", "/fees/clients"))["items"]}  # fmt: skip
        return listed if listed.get(other) == [kept] else None

    assert await eventually(configured, within=60) == {kept: [other], other: [kept], alone: []}

    async def traded() -> bool:
        counts = await ok("GET", "/queries/transaction-count", params={
            "date_from": "2026-01-01", "date_to": "2026-01-30", "threshold": 0})  # fmt: skip
        return {r["account_number"]: r["trades"] for r in counts["rows"]} == trades

    assert await eventually(traded, within=60)
    run = await ok("POST", "/fees/invoices", json={"period_start": "2026-01-01",
                                                  "period_end": "2026-01-30"})  # fmt: skip
    invoices = {i["account_number"]: [(line["description"], line["amount"]) for line in i["lines"]]
                for i in run["items"]}  # fmt: skip
    # 120.00 a year over 30/365 of a year = 9.86; the group's 7.00 falls 2.86 short, once
    assert invoices == {
        kept: [("Activity", "4.00"), ("Activity: minimum fee", "2.86")],
        other: [("Activity", "3.00")],
        alone: [("Activity", "2.00"), ("Activity: minimum fee", "7.86")],
    }
    flat = await http.post("/fees/templates", headers=headers, json={
        "name": "Flat", "kind": "flat", "amount": "100", "minimum": "10"})  # fmt: skip
    assert flat.status_code == 422 and flat.json()["detail"][0]["loc"][-1] == "minimum"
