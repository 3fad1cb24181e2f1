"""The tools (A4-A8) and fee administration (A9) on the real broker and PostgreSQL: account facts
flow in from contact, profile, valuation and transaction events; a query within the caller's
scope; a saved segment's membership published on ``tools.segments``; risk scores recomputed when
the scale changes; a goal; an ESG invitation answered through its token; the RMD of an IRA from
its prior year-end value and this year's withdrawals; an invoice, its reimbursement, PDF and CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.account_profiles import AccountProfileReported, ResidentialAddress
from contracts.accounts import (  # fmt: skip
    AccountType,
    ApplicationStage,
    NetAssetValueReported,
    TradeExecuted,
    TradeSide,
    Withdrawal,
)
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.tools import InvestorProfile, InvestorProfileReported
from tests.integration.conftest import RunningService, a_master, eventually, publish, read_topic


def client(number: str, first: str, account_type: AccountType, nav: str) -> ContactCreated:
    return ContactCreated(contact=ContactSnapshot(
        contact_id=uuid4(), version=1, kind=ContactKind.CLIENT, first_name=first, last_name="Tester",
        email=f"{first.lower()}@example.com", account_number=number, account_type=account_type,
        status=ApplicationStage.OPEN, net_asset_value=Decimal(nav)))  # fmt: skip


def holder(number: str, born: date, country: str) -> AccountProfileReported:
    return AccountProfileReported(
        account_number=number, holder_id=f"H-{number}", username=number.lower(), first_name="A",
        last_name="B", date_of_birth=born, version=1,
        residential_address=ResidentialAddress(street="1 Main St", city="Zurich", country=country))  # fmt: skip


async def test_tools_and_fees_end_to_end_in_the_service(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    headers = analytics_service.as_master(master, "u-ada")
    http = analytics_service.http

    async def ok(method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = await http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expected, (path, response.text)
        return (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else response
        )

    # accounts of this master only (analytics keys its facts by account number)
    ira, broker = f"TI{master[1:]}", f"TB{master[1:]}"
    await publish(
        kafka_bootstrap,
        topics.CONTACTS.name,
        client(ira, "Iris", AccountType.TRADITIONAL_IRA, "250000"),
        master=master,
    )
    await publish(
        kafka_bootstrap,
        topics.CONTACTS.name,
        client(broker, "Bruno", AccountType.INDIVIDUAL, "5000"),
        master=master,
    )
    await publish(
        kafka_bootstrap,
        topics.ACCOUNT_PROFILES.name,
        holder(ira, date(1950, 6, 1), "US"),
        master=master,
    )
    await publish(
        kafka_bootstrap,
        topics.ACCOUNT_PROFILES.name,
        holder(broker, date(1990, 3, 3), "CH"),
        master=master,
    )
    await publish(kafka_bootstrap, topics.INVESTOR_PROFILES.name, InvestorProfileReported(
        account_number=broker, as_of=date(2024, 1, 1),
        profile=InvestorProfile(margin_type="portfolio_margin", investment_objectives=["growth", "speculation"])), master=master)  # fmt: skip
    # the IRA's value at the end of 2024, a withdrawal in 2025, trades for per-trade fees
    await publish(kafka_bootstrap, topics.ACCOUNT_VALUATIONS.name, NetAssetValueReported(
        account_number=ira, as_of=date(2024, 12, 31), net_asset_value=Decimal("100000.00")), master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.ACCOUNT_TRANSACTIONS.name, Withdrawal(
        account_number=ira, transaction_id="w-1", amount=Decimal("1000.00"), booked_on=date(2025, 2, 3)), master=master)  # fmt: skip
    for n in range(3):
        await publish(kafka_bootstrap, topics.ACCOUNT_TRANSACTIONS.name, TradeExecuted(
            account_number=broker, trade_id=f"t-{n}", symbol="AAPL", side=TradeSide.BUY, quantity=Decimal(1),
            price=Decimal(100), traded_on=date(2025, 1, 10 + n)), master=master)  # fmt: skip

    # A4: combinable criteria, over fields from three event families
    query = {"criteria": [{"field": "country", "op": "eq", "value": "CH"},
                          {"field": "investment_objectives", "op": "any_of", "value": ["speculation"]},
                          {"field": "age", "op": "between", "value": [30, 40]}]}  # fmt: skip

    async def found() -> Any:
        result = await ok("POST", "/tools/segments/query", json=query)
        return result if result["total"] == 1 else None

    result = await eventually(found)
    assert result["items"][0]["account_number"] == broker
    either = {"match": "any", "criteria": [{"field": "nav_band", "op": "eq", "value": "100k_1m"},
                                           {"field": "margin_type", "op": "in", "value": ["portfolio_margin"]}]}  # fmt: skip

    async def both() -> bool:  # the IRA's value may be applied a moment later
        return bool((await ok("POST", "/tools/segments/query", json=either))["total"] == 2)

    assert await eventually(both)
    refused = await http.post(
        "/tools/segments/query",
        headers=headers,
        json={"criteria": [{"field": "age", "op": "is", "value": 3}]},
    )
    assert refused.status_code == 422

    # out of the caller's scope: not counted
    scoped = Access(
        rights=frozenset({Right.TOOLS}),
        scope=ClientScope(all_clients=False, account_numbers=frozenset({ira})),
    )
    scoped_headers = analytics_service.as_master(master, "u-bob", scoped)
    narrowed = await http.post("/tools/segments/query", headers=scoped_headers, json=either)
    assert narrowed.json()["total"] == 1
    assert (
        await http.post("/tools/segments", headers=scoped_headers, json={**either, "name": "x"})
    ).status_code == 403

    # a saved segment publishes its members
    saved = await ok("POST", "/tools/segments", 201, json={**query, "name": "Swiss speculators"})
    assert saved["member_count"] == 1

    async def published() -> Any:
        return [m for m in await read_topic(kafka_bootstrap, topics.SEGMENTS.name)
                if m["payload"]["segment_id"] == saved["id"]]  # fmt: skip

    message = (await eventually(published))[0]
    assert (
        message["payload"]["account_numbers"] == [broker] and message["master_account_id"] == master
    )

    # A5: answers scored 1-5; a new scale rescores
    answers = {"horizon": "horizon.5", "drop": "drop.3", "goal": "goal.4", "experience": "experience.2",
               "income": "income.3", "share": "share.1"}  # fmt: skip
    scored = await ok("PUT", f"/tools/risk/scores/{broker}", json={"answers": answers})
    assert Decimal(scored["score"]) == Decimal("3.00")
    await ok("PUT", "/tools/risk/values", json={"values": {"horizon.5": 2}})
    assert Decimal((await ok("GET", "/tools/risk/scores"))["items"][0]["score"]) == Decimal("2.50")
    await ok("PUT", "/tools/risk/scale", json={"low": 0, "high": 100})
    rescored = (await ok("GET", "/tools/risk/scores"))["items"][0]
    assert Decimal(rescored["score"]) == Decimal("37.50")  # (25+50+75+25+50+0)/6
    assert (
        await http.put(
            f"/tools/risk/scores/{broker}", headers=scoped_headers, json={"answers": answers}
        )
    ).status_code == 404

    # A6
    goal = await ok("POST", "/tools/goals", 201, json={
        "account_number": broker, "name": "House", "current_value": "100000", "monthly_contribution": "0",
        "annual_return": "0.06", "annual_volatility": "0.15", "years": 10, "goal_amount": "150000"})  # fmt: skip
    assert (
        abs(goal["projection"]["probability"] - goal["projection"]["closed_form_probability"])
        < 0.03
    )

    # A7: the token's page answers; results per client and in aggregate
    invited = await ok("POST", "/tools/esg/invitations", 201, json={"account_numbers": [broker]})
    token = invited["items"][0]["link_token"]
    await ok("PUT", f"/esg-links/{token}", json={"values": ["climate", "water"]})
    results = await ok("GET", "/tools/esg/results")
    assert (
        results["answered"] == 1
        and {c["value"]: c["count"] for c in results["counts"]}["water"] == 1
    )
    assert (await http.get(f"/esg-links/{token}x", headers=headers)).status_code == 404

    # A8: born 1950 → 75 in 2025 → 24.6; 100,000 / 24.6 = 4,065.04; 1,000 withdrawn
    async def rmd_ready() -> Any:
        found = await ok("GET", f"/tools/rmd/{ira}", params={"year": 2025})
        return found if Decimal(found["withdrawn_to_date"]) == Decimal(1000) else None

    rmd = await eventually(rmd_ready)
    assert (
        Decimal(rmd["divisor"]),
        Decimal(rmd["required_amount"]),
        Decimal(rmd["remaining"]),
    ) == (Decimal("24.6"), Decimal("4065.04"), Decimal("3065.04"))
    listed = await ok("GET", "/tools/rmd", params={"year": 2025})
    assert [r["account_number"] for r in listed["items"]] == [ira]
    assert listed["items"][0] == rmd  # the list's batched reads agree with the account's own

    # A9: a per-trade template, an invoice, a reimbursement (never more than charged)
    template = await ok(
        "POST",
        "/fees/templates",
        201,
        json={"name": "Per trade", "kind": "per_trade", "amount": "1.25"},
    )
    await ok("PUT", "/fees/clients", json={"account_number": broker, "template_id": template["id"]})
    run = await ok(
        "POST", "/fees/invoices", json={"period_start": "2025-01-01", "period_end": "2025-01-31"}
    )
    invoice = run["items"][0]
    assert Decimal(invoice["total"]) == Decimal("3.75")
    again = await ok(
        "POST", "/fees/invoices", json={"period_start": "2025-01-01", "period_end": "2025-01-31"}
    )
    assert len(again["items"]) == 1, "the same period is not invoiced twice"
    paid = await ok(
        "POST",
        f"/fees/invoices/{invoice['id']}/reimbursements",
        201,
        json={"amount": "3.00", "reason": "goodwill"},
    )
    assert Decimal(paid["reimbursed"]) == Decimal("3.00")
    too_much = await http.post(
        f"/fees/invoices/{invoice['id']}/reimbursements",
        headers=headers,
        json={"amount": "1.00", "reason": "x"},
    )
    assert too_much.status_code == 409
    pdf = await http.get(f"/fees/invoices/{invoice['id']}/pdf", headers=headers)
    assert pdf.content.startswith(b"%PDF")
    csv_text = (await http.get("/fees/invoices.csv", headers=headers)).text
    assert broker in csv_text and "3.75" in csv_text
    no_fees = Access(rights=frozenset({Right.TOOLS}), scope=ClientScope.everything())
    assert (
        await http.get(
            "/fees/invoices", headers=analytics_service.as_master(master, "u-c", no_fees)
        )
    ).status_code == 403
