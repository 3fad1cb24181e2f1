"""The simulated back office's margin desk (A11): Reg T and portfolio-margin rates, house
requirements, requirements rounded half up per position, margin calls met by a deposit or at
their deadline by a sale; and in the book, margin accounts borrow, report what their net asset
value says, and now and then fall into deficit and recover."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from contracts.accounts import Deposit, NetAssetValueReported, TradeExecuted
from contracts.margin import MarginRequirementsReported, MarginType
from contracts.tools import InvestorProfileReported
from deploy.simulator import BackOffice
from deploy.simulator_margin import MarginDesk, Security

STOCK, VOLATILE, FUND = Security(0.01, False), Security(0.03, False), Security(0.009, True)
SECURITIES = {"KO": STOCK, "NVDA": VOLATILE, "VTI": FUND, "BND": FUND}
MONDAY = date(2026, 3, 16)
AT = datetime(2026, 3, 16, 23, tzinfo=UTC)
REG_T, PORTFOLIO = MarginType.REG_T.value, MarginType.PORTFOLIO.value


def test_reg_t_and_portfolio_margin_rates() -> None:
    desk = MarginDesk(seed=1)
    assert desk.rates("KO", REG_T, STOCK) == (Decimal("0.50"), Decimal("0.25"))
    assert desk.rates("NVDA", REG_T, VOLATILE) == (Decimal("0.50"), Decimal("0.30"))
    assert desk.rates("KO", PORTFOLIO, STOCK) == (Decimal("0.1875"), Decimal("0.15"))
    assert desk.rates("NVDA", PORTFOLIO, VOLATILE)[1] == Decimal("0.18")  # six days of 3 %
    assert desk.rates("VTI", PORTFOLIO, FUND)[1] == Decimal("0.08")  # a broad index fund
    assert desk.rates("BND", PORTFOLIO, FUND)[1] == Decimal("0.0540")  # six days of 0.9 %
    desk.house["KO"] = (Decimal("1.00"), MONDAY)
    assert desk.rates("KO", REG_T, STOCK) == (Decimal("1.00"), Decimal("1.00"))
    assert desk.rates("KO", PORTFOLIO, STOCK) == (Decimal("1"), Decimal("1.00"))  # capped


def test_a_report_rounds_each_position_half_up_and_sums_them() -> None:
    desk = MarginDesk(seed=1)
    fields = desk.report("U1234567", REG_T, Decimal("-6000.00"), [
        ("KO", Decimal(10), Decimal("100.1"), Decimal("1000.10")),  # 25 %: 250.025 -> 250.03
        ("NVDA", Decimal(50), Decimal("100"), Decimal("5000.00")),  # 30 %: 1500.00
    ], SECURITIES, AT)  # fmt: skip
    event = MarginRequirementsReported(account_number="U1234567", **fields)
    assert [p.maintenance_requirement for p in event.positions] == [
        Decimal("250.03"), Decimal("1500.00")]  # fmt: skip
    assert event.positions[0].initial_requirement == Decimal("500.05")
    assert event.equity_with_loan_value == Decimal("0.10")  # -6000 + 6000.10
    assert event.maintenance_requirement == Decimal("1750.03")
    assert event.excess_liquidity == Decimal("-1749.93")


def test_a_margin_call_is_met_by_a_deposit_or_at_its_deadline_by_a_sale() -> None:
    short = {"excess_liquidity": Decimal("-400.00"), "positions": [
        {"symbol": "NVDA", "market_value": Decimal("4000.00"),
         "maintenance_requirement": Decimal("2000.00")},
        {"symbol": "KO", "market_value": Decimal("1000.00"),
         "maintenance_requirement": Decimal("250.00")},
    ]}  # fmt: skip
    seen = set()
    for seed in range(20):
        desk = MarginDesk(seed=seed)
        desk.note("U1234567", short, MONDAY)
        call = desk.calls["U1234567"]
        assert call.symbol == "NVDA" and call.rate == Decimal("0.5") and call.deadline > MONDAY
        day = MONDAY
        while (remedy := desk.remedy("U1234567", day := day + timedelta(days=1))) is None:
            assert day < call.deadline
        if remedy.symbol is None:  # the client's deposit: the deficit and more, in hundreds
            assert day <= call.deadline
            assert remedy.amount >= Decimal("480.00") and remedy.amount % 100 == 0
        else:  # at the deadline the desk sells what frees the deficit (at 50 %), and a quarter
            assert day == call.deadline
            assert (remedy.symbol, remedy.amount) == ("NVDA", Decimal("1000.00"))
        seen.add(remedy.symbol is None)
        desk.note("U1234567", {"excess_liquidity": Decimal("1.00"), "positions": []}, day)
        assert "U1234567" not in desk.calls and desk.remedy("U1234567", day) is None
    assert seen == {True, False}, "both a deposit and a sale"


def test_leverage_is_drawn_once_per_account_and_cash_accounts_never_borrow() -> None:
    desk = MarginDesk(seed=5)
    assert desk.leverage("U1234567", "cash") == 1
    drawn = [desk.leverage(f"U{n}", REG_T) for n in range(1_000_000, 1_000_200)]
    assert drawn == [
        MarginDesk(seed=5).leverage(f"U{n}", REG_T) for n in range(1_000_000, 1_000_200)
    ]
    assert min(drawn) >= 1 and max(drawn) <= Decimal("1.95")
    assert any(x > Decimal("1.6") for x in drawn) and any(x < Decimal("1.3") for x in drawn)
    assert max(desk.leverage(f"U{n}", PORTFOLIO) for n in range(1_000_000, 1_000_050)) <= 4
    # the room to buy: up to the leverage; a cash account spends its cash
    assert desk.spendable("U1", "cash", Decimal(100), Decimal(900)) == Decimal(100)


def _book(seed: int) -> list[Any]:
    office = BackOffice(("F1000001",), 60, seed=seed, start=MONDAY)
    events = office.opening_book() + [e for _ in range(10) for e in office.next_day()]
    return [e.envelope.payload for e in events]


def test_in_the_book_margin_accounts_borrow_fall_into_deficit_now_and_then_and_recover() -> None:
    recovered = 0
    for seed in (2, 3, 6):
        payloads = _book(seed)
        margin_types = {p.account_number: p.profile.margin_type for p in payloads
                        if isinstance(p, InvestorProfileReported)}  # fmt: skip
        nav: dict[tuple[str, date], Decimal] = {}
        deficits: dict[str, list[bool]] = defaultdict(list)
        met: set[str] = set()
        for p in payloads:
            if isinstance(p, NetAssetValueReported):
                nav[(p.account_number, p.as_of)] = p.net_asset_value
                assert p.net_asset_value >= 0, "a margin loan is repaid before closing"
            elif isinstance(p, MarginRequirementsReported):
                assert margin_types[p.account_number] == p.margin_type.value  # never a cash one
                assert p.equity_with_loan_value == nav[(p.account_number, p.as_of.date())]
                assert p.excess_liquidity == p.equity_with_loan_value - p.maintenance_requirement
                assert p.maintenance_requirement == sum(
                    (x.maintenance_requirement for x in p.positions), Decimal(0)
                )
                deficits[p.account_number].append(p.excess_liquidity < 0)
            elif isinstance(p, Deposit | TradeExecuted) and any(deficits[p.account_number][-1:]):
                met.add(p.account_number)
        assert any(p.cash < 0 for p in payloads if isinstance(p, MarginRequirementsReported))
        recovered += sum(1 for account, runs in deficits.items() if True in runs
                         and False in runs[runs.index(True):] and account in met)  # fmt: skip
    assert recovered >= 1, "no margin account fell into deficit and recovered"
