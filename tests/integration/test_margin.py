"""Margin requirements (A11) on the real broker and PostgreSQL: the back office's snapshots go
through analytics' consumer into the read model (the newest per account), and its API answers
one account's requirements and the accounts in deficit for the right master, right and scope
only (out of reach: the same 404 as another master's account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import ApplicationStage
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.crm import GroupChanged, GroupVisibility
from contracts.margin import AssetClass, MarginPosition, MarginRequirementsReported, MarginType
from tests.integration.conftest import RunningService, a_master, eventually, publish


def snapshot(account: str, excess: str, at: datetime) -> MarginRequirementsReported:
    positions = [
        MarginPosition(symbol="VTI", quantity=Decimal(40), price=Decimal("250.00"),
                       market_value=Decimal("10000.00"), asset_class=AssetClass.ETF,
                       initial_requirement=Decimal("5000.00"),
                       maintenance_requirement=Decimal("2500.00")),
        MarginPosition(symbol="NVDA", quantity=Decimal(100), price=Decimal("120.00"),
                       market_value=Decimal("12000.00"), asset_class=AssetClass.STOCK,
                       initial_requirement=Decimal("12000.00"),
                       maintenance_requirement=Decimal("12000.00")),  # a house requirement
    ]  # fmt: skip
    maintenance = Decimal("14500.00")
    return MarginRequirementsReported(
        account_number=account, as_of=at, margin_type=MarginType.REG_T,
        cash=maintenance + Decimal(excess) - Decimal("22000.00"),
        equity_with_loan_value=maintenance + Decimal(excess),
        initial_requirement=Decimal("17000.00"), maintenance_requirement=maintenance,
        excess_liquidity=Decimal(excess), positions=positions,
    )  # fmt: skip


def scoped(*, accounts: frozenset[str] = frozenset(), groups: frozenset[Any] = frozenset(),
           rights: frozenset[Right] = frozenset({Right.ACCOUNT_INFORMATION})) -> Access:  # fmt: skip
    return Access(rights=rights, scope=ClientScope(all_clients=False, account_numbers=accounts,
                                                   group_ids=groups))  # fmt: skip


async def test_a_deficit_through_the_broker_listed_within_master_right_and_scope(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master, short, fine = a_master(), "U" + str(uuid4().int)[:7], "U" + str(uuid4().int)[:7]
    client = ContactSnapshot(contact_id=uuid4(), version=1, kind=ContactKind.CLIENT,
                             first_name="Ada", last_name="Margin", account_number=short,
                             status=ApplicationStage.OPEN)  # fmt: skip
    group = GroupChanged(group_id=uuid4(), name="Leveraged", visibility=GroupVisibility.PUBLIC,
                         owner_user_id="u-ada", member_contact_ids=[client.contact_id], version=1)  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    margin = topics.ACCOUNT_MARGIN.name
    await publish(kafka_bootstrap, topics.CONTACTS.name, ContactCreated(contact=client),
                  master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, group, master=master)
    await publish(kafka_bootstrap, margin, snapshot(short, "-1500.00", now), master=master)
    await publish(kafka_bootstrap, margin, snapshot(fine, "800.00", now), master=master)
    # an older snapshot arriving late changes nothing
    late = snapshot(short, "5000.00", now - timedelta(hours=3))
    await publish(kafka_bootstrap, margin, late, master=master)

    http = analytics_service.http
    primary = analytics_service.as_master(master, "u-ada")

    async def listed() -> Any:
        answer = await http.get("/margin/deficits", headers=primary)
        found = answer.json() if answer.status_code == 200 else {}
        return found if found.get("total") == 1 and found["items"][0]["contact_id"] else None

    deficits = await eventually(listed)
    (item,) = deficits["items"]
    assert (item["account_number"], item["contact_id"]) == (short, str(client.contact_id))
    assert Decimal(item["deficit"]) == Decimal("1500.00")

    async def account_view() -> Any:
        answer = await http.get(f"/margin/accounts/{fine}", headers=primary)
        return answer.json() if answer.status_code == 200 else None

    assert not (await eventually(account_view))["in_deficit"]
    view = (await http.get(f"/margin/accounts/{short.lower()}", headers=primary)).json()
    assert view["in_deficit"] and Decimal(view["excess_liquidity"]) == Decimal("-1500.00")
    assert [p["symbol"] for p in view["positions"]] == ["NVDA", "VTI"]  # the driver first
    assert [Decimal(p["share_of_maintenance"]) for p in view["positions"]] == [
        Decimal("82.76"), Decimal("17.24")]  # 12000 / 14500, 2500 / 14500, half up  # fmt: skip

    # the scope: by account, by group (its members now); out of it, the same 404 as another
    # master's; without the Account Information right, 403
    by_account = analytics_service.as_master(master, "u-bob", scoped(accounts=frozenset({fine})))
    by_group = analytics_service.as_master(
        master, "u-cy", scoped(groups=frozenset({group.group_id}))
    )

    async def group_sees_it() -> bool:
        answer = await http.get(f"/margin/accounts/{short}", headers=by_group)
        return answer.status_code == 200

    assert await eventually(group_sees_it)
    assert (await http.get("/margin/deficits", headers=by_group)).json()["total"] == 1
    assert (await http.get("/margin/deficits", headers=by_account)).json() == {
        "items": [], "total": 0}  # fmt: skip
    assert (await http.get(f"/margin/accounts/{short}", headers=by_account)).status_code == 404
    other_master = analytics_service.as_master(a_master(), "u-eve")
    assert (await http.get(f"/margin/accounts/{short}", headers=other_master)).status_code == 404
    assert (await http.get("/margin/deficits", headers=other_master)).json()["total"] == 0
    crm_only = analytics_service.as_master(
        master, "u-dan", scoped(accounts=frozenset({short}), rights=frozenset({Right.CRM}))
    )
    assert (await http.get("/margin/deficits", headers=crm_only)).status_code == 403
    # bad input: a clear 422, never a 5xx
    for path in ("/margin/accounts/not-an-account", "/margin/deficits?limit=0"):
        assert (await http.get(path, headers=primary)).status_code == 422
