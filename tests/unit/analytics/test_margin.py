"""Margin requirements (A11): which snapshot the read model keeps, what an advisor reads off it
(a deficit flagged, the positions that drive the requirement, shares rounded half up), and the
use cases against a fake unit of work — the caller's master and client scope only, no
database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from contracts.access import Access, ClientScope, Right
from contracts.api.margin import MarginDeficitQuery
from contracts.envelope import Envelope
from contracts.margin import (
    AssetClass,
    MarginPosition,
    MarginRequirementsReported,
    MarginType,
)
from contracts.topics import ACCOUNT_MARGIN
from services.analytics.domain.margin import MarginSnapshot, Named, account_view, percent_of
from services.analytics.service_layer.margin import (
    account_margin,
    apply_margin_reports,
    margin_deficits,
    snapshot_of,
)
from services.runtime.consumers import Delivery
from services.runtime.errors import NotFound

MASTER, OTHER = "F1000001", "F2000002"
NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


def position(symbol: str, value: str, maintenance: str, initial: str | None = None,
             asset_class: AssetClass = AssetClass.STOCK) -> MarginPosition:  # fmt: skip
    return MarginPosition(symbol=symbol, quantity=Decimal(100), price=Decimal(value) / 100,
                          market_value=Decimal(value), asset_class=asset_class,
                          maintenance_requirement=Decimal(maintenance),
                          initial_requirement=Decimal(initial or maintenance))  # fmt: skip


def report(account: str, *, excess: str, at: datetime = NOON, ewl: str = "10000.00",
           positions: Sequence[MarginPosition] = ()) -> MarginRequirementsReported:  # fmt: skip
    maintenance = Decimal(ewl) - Decimal(excess)
    return MarginRequirementsReported(
        account_number=account, as_of=at, margin_type=MarginType.REG_T, cash=Decimal("-5000.00"),
        equity_with_loan_value=Decimal(ewl), initial_requirement=maintenance * 2,
        maintenance_requirement=maintenance, excess_liquidity=Decimal(excess),
        positions=list(positions),
    )  # fmt: skip


def delivered(event: MarginRequirementsReported, master: str = MASTER,
              published: datetime | None = None) -> Delivery[Any]:  # fmt: skip
    envelope = Envelope.wrap(event, master_account_id=master, occurred_at=published or event.as_of)
    return Delivery(event, envelope)


class InMemoryMargin:
    """The read model as the SQL repository keeps it: newest (as-of, published) per account."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], MarginSnapshot] = {}
        self.upserts: list[int] = []
        self.titles: dict[str, str] = {}
        self.contacts: dict[str, UUID] = {}

    async def upsert(self, snapshots: Sequence[MarginSnapshot]) -> None:
        keys = {(s.master_account_id, s.account_number) for s in snapshots}
        assert len(keys) == len(snapshots), "one per account"
        self.upserts.append(len(snapshots))
        for snapshot in snapshots:
            key = (snapshot.master_account_id, snapshot.account_number)
            if key not in self.rows or snapshot.supersedes(self.rows[key]):
                self.rows[key] = snapshot

    def _named(self, snapshot: MarginSnapshot) -> Named:
        account = snapshot.account_number
        return snapshot, self.titles.get(account), self.contacts.get(account)

    async def of_account(self, master: str, account: str, scope: ClientScope) -> Named | None:
        found = self.rows.get((master, account))
        if found is None or not (scope.all_clients or account in scope.account_numbers):
            return None
        return self._named(found)

    async def deficits(self, master: str, scope: ClientScope, *, limit: int
                       ) -> tuple[list[Named], int]:  # fmt: skip
        found = sorted(
            (s for (m, a), s in self.rows.items() if m == master and s.in_deficit
             and (scope.all_clients or a in scope.account_numbers)),
            key=lambda s: (s.excess_liquidity, s.account_number),
        )  # fmt: skip
        return [self._named(s) for s in found[:limit]], len(found)


class FakeMarginUnitOfWork:
    def __init__(self) -> None:
        self.margin = InMemoryMargin()
        self.published: list[Any] = []

    async def publish(self, topic: str, event: Any, **_: Any) -> None:
        self.published.append(event)


def scoped(*accounts: str) -> Access:
    return Access(rights=frozenset({Right.ACCOUNT_INFORMATION}),
                  scope=ClientScope(all_clients=False, account_numbers=frozenset(accounts)))  # fmt: skip


# ---- the contract


def test_the_snapshot_travels_on_its_topic_keyed_by_account() -> None:
    event = report("U1234567", excess="-250.00", positions=[position("NVDA", "9000", "2700")])
    envelope = Envelope.wrap(event, master_account_id=MASTER)
    parsed = ACCOUNT_MARGIN.envelope.model_validate_json(envelope.model_dump_json())
    assert parsed.payload == event and event.partition_key() == "U1234567"
    assert parsed.payload.positions[0].maintenance_requirement == Decimal("2700")


@pytest.mark.parametrize("change", [
    {"maintenance_requirement": Decimal("-1")},  # a requirement is never negative
    {"excess_liquidity": Decimal("0.001")},  # to the cent
    {"account_number": "not-an-account"},
    {"as_of": datetime(2026, 3, 2, 12)},  # a naive time: its zone would be a guess
])  # fmt: skip
def test_a_malformed_snapshot_is_refused(change: dict[str, Any]) -> None:
    values = report("U1234567", excess="1.00").model_dump() | change
    with pytest.raises(ValidationError):
        MarginRequirementsReported.model_validate(values)


# ---- the domain


def test_the_drivers_come_largest_maintenance_first_with_shares_rounded_half_up() -> None:
    event = report("U1234567", excess="-125.00", ewl="3000.00", positions=[
        position("BND", "2000", "500", asset_class=AssetClass.ETF),
        position("NVDA", "4000", "2000"),
        position("AAPL", "2000", "500", initial="1000"),  # ties BND: the larger initial first
        position("KO", "1000", "125"),
    ])  # fmt: skip
    view = account_view(snapshot_of(delivered(event)), title="Ada Example")
    assert [p.symbol for p in view.positions] == ["NVDA", "AAPL", "BND", "KO"]
    # 2000 / 3125 = 64 %; 500 / 3125 = 16 %; 125 / 3125 = 4 %
    assert [p.share_of_maintenance for p in view.positions] == [
        Decimal("64.00"), Decimal("16.00"), Decimal("16.00"), Decimal("4.00")]  # fmt: skip
    assert view.in_deficit and view.deficit == Decimal("125.00")
    assert view.excess_liquidity == Decimal("-125.00")
    assert view.available_funds == Decimal("3000.00") - Decimal("6250.00")
    assert view.cushion == Decimal("-4.17")  # -125 / 3000 = -4.1666… %, half up
    assert view.account_title == "Ada Example"


def test_percentages_round_half_up_and_have_no_share_of_nothing() -> None:
    assert percent_of(Decimal("1"), Decimal("8")) == Decimal("12.50")
    assert percent_of(Decimal("1"), Decimal("800")) == Decimal("0.13")  # 0.125: half up, not even
    assert percent_of(Decimal("1"), Decimal("2000")) == Decimal("0.05")  # 0.05 exactly
    assert percent_of(Decimal("1"), Decimal("0.00")) is None
    assert percent_of(Decimal("1"), Decimal("-5")) is None


def test_an_account_at_exactly_zero_excess_is_not_in_deficit() -> None:
    view = account_view(snapshot_of(delivered(report("U1234567", excess="0.00"))))
    assert not view.in_deficit and view.deficit == Decimal("0.00")
    deficit = account_view(snapshot_of(delivered(report("U1234567", excess="-0.01"))))
    assert deficit.in_deficit and deficit.deficit == Decimal("0.01")


# ---- the use cases


async def test_a_batch_keeps_each_accounts_newest_snapshot_in_one_statement() -> None:
    uow = FakeMarginUnitOfWork()
    later = NOON + timedelta(hours=1)
    await apply_margin_reports([
        delivered(report("U1111111", excess="-300.00", at=later)),
        delivered(report("U1111111", excess="500.00", at=NOON)),  # older, arriving late
        delivered(report("U2222222", excess="10.00")),
        delivered(report("U1111111", excess="1.00", at=NOON), master=OTHER),  # another master's
    ], uow)  # fmt: skip
    assert uow.margin.upserts == [3]
    assert uow.margin.rows[(MASTER, "U1111111")].excess_liquidity == Decimal("-300.00")
    # a later poll with an older snapshot changes nothing; a newer one wins
    await apply_margin_reports([delivered(report("U1111111", excess="900.00"))], uow)
    assert uow.margin.rows[(MASTER, "U1111111")].excess_liquidity == Decimal("-300.00")
    await apply_margin_reports(
        [delivered(report("U1111111", excess="42.00", at=later), published=later + timedelta(1))],
        uow,
    )  # the same as-of, published later: the correction wins
    assert uow.margin.rows[(MASTER, "U1111111")].excess_liquidity == Decimal("42.00")
    assert uow.published == [], "a read model publishes nothing"


async def test_a_deficit_is_listed_within_the_callers_master_and_scope() -> None:
    uow = FakeMarginUnitOfWork()
    await apply_margin_reports([
        delivered(report("U1111111", excess="-300.00")),
        delivered(report("U2222222", excess="-1200.50")),
        delivered(report("U3333333", excess="800.00")),
        delivered(report("U4444444", excess="-999.00"), master=OTHER),
    ], uow)  # fmt: skip
    contact = uuid4()
    uow.margin.contacts["U2222222"], uow.margin.titles["U2222222"] = contact, "Grace Example"

    everyone = await margin_deficits(uow, MASTER, Access.primary(), MarginDeficitQuery())
    assert [d.account_number for d in everyone.items] == ["U2222222", "U1111111"]
    assert everyone.total == 2 and everyone.items[0].deficit == Decimal("1200.50")
    assert (everyone.items[0].contact_id, everyone.items[0].account_title) == (
        contact, "Grace Example")  # fmt: skip
    first = await margin_deficits(uow, MASTER, Access.primary(), MarginDeficitQuery(limit=1))
    assert [d.account_number for d in first.items] == ["U2222222"] and first.total == 2

    narrow = await margin_deficits(uow, MASTER, scoped("U1111111", "U3333333"),
                                   MarginDeficitQuery())  # fmt: skip
    assert [d.account_number for d in narrow.items] == ["U1111111"] and narrow.total == 1
    other = await margin_deficits(uow, OTHER, Access.primary(), MarginDeficitQuery())
    assert [d.account_number for d in other.items] == ["U4444444"]


async def test_an_account_out_of_reach_is_not_found() -> None:
    uow = FakeMarginUnitOfWork()
    await apply_margin_reports([delivered(report("U1111111", excess="-300.00", positions=[
        position("AAPL", "1000", "250")]))], uow)  # fmt: skip

    view = await account_margin(uow, MASTER, scoped("U1111111"), "u1111111")  # any case
    assert view.in_deficit and [p.symbol for p in view.positions] == ["AAPL"]
    for master, access, account in [
        (MASTER, scoped("U2222222"), "U1111111"),  # outside the scope
        (OTHER, Access.primary(), "U1111111"),  # another master's
        (MASTER, Access.primary(), "U9999999"),  # nothing reported (a cash account)
    ]:
        with pytest.raises(NotFound):
            await account_margin(uow, master, access, account)
