"""Activity statements and performance reports (A10): the returns against worked examples
computed by hand (the arithmetic is written beside each), totals that reconcile with the
transactions listed, and the calendar periods of a performance report."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from contracts.api.reports import PerformanceOut
from deploy.simulator_benchmarks import benchmark_envelopes, benchmark_level
from services.analytics.domain.performance import Frequency, build_performance, calendar_periods
from services.analytics.domain.statements import (
    Day,
    Fee,
    Holding,
    Section,
    Transaction,
    annualized,
    build_statement,
    money_weighted,
    period_returns,
    time_weighted,
)
from services.analytics.service_layer import report_documents as documents
from services.analytics.service_layer.reports import (
    CATCH_UP_PERIODS,
    last_complete_period,
    periods_due,
    statement_view,
)
from services.runtime.errors import Invalid

D = Decimal


def close(value: Decimal | None, expected: str, places: int = 9) -> bool:
    assert value is not None
    return abs(value - D(expected)) < D(10) ** -places


# ---- time-weighted return ---------------------------------------------------------------------


def test_twr_links_daily_factors_and_removes_the_deposit() -> None:
    # Worked by hand: base 100,000 (31 Dec).
    #   2 Jan: 102,000, no flow           g1 = 102,000 / 100,000             = 1.02
    #   3 Jan: deposit 10,000, 113,120    g2 = 113,120 / (102,000 + 10,000)  = 1.01
    #   4 Jan: 111,988.80                 g3 = 111,988.80 / 113,120          = 0.99
    # TWR = 1.02 x 1.01 x 0.99 - 1 = 1.019898 - 1 = 0.019898 (1.9898 %)
    days = [Day(date(2026, 1, 2), D("102000")), Day(date(2026, 1, 3), D("113120"), D("10000")),
            Day(date(2026, 1, 4), D("111988.80"))]  # fmt: skip
    assert time_weighted(D("100000"), days) == D("0.019898")


def test_twr_of_the_cfa_example_annualises_to_15_84_percent() -> None:
    # CFA Institute's classic example: one share bought at 100; a year later it is worth 120 and
    # paid a dividend of 2 (the portfolio holds 122); a second share is bought for 120, funded
    # by a deposit of 118 and the dividend's 2 (the portfolio holds 240); a year on both shares
    # are worth 130 and paid 2 each: 264.
    #   year 1: 122 / 100 = 1.22; year 2: 264 / (122 + 118) = 1.10
    #   TWR over the two years = 1.22 x 1.10 - 1 = 0.342; a year: sqrt(1.342) - 1 = 0.158447...
    days = [Day(date(2021, 12, 31), D("122")), Day(date(2022, 1, 1), D("240"), D("118")),
            Day(date(2022, 12, 31), D("264"))]  # fmt: skip
    twr = time_weighted(D("100"), days)
    assert twr == D("0.342")
    assert close(annualized(twr, 730), "0.158447", 6)  # 1.342 ** (365/730) - 1


def test_twr_without_a_reported_value_is_none() -> None:
    assert time_weighted(None, [Day(date(2026, 1, 2), None, D("500"))]) is None


# ---- money-weighted return --------------------------------------------------------------------


def test_mwr_is_the_periods_irr_with_a_mid_period_deposit() -> None:
    # 1-4 Jan (T = 4 days): 100,000 at the start, a deposit of 20,000 at the start of 3 Jan
    # (t = 2 days in, invested for (4 - 2) / 4 = 1/2 of the period), 143,000 at the end.
    # Try R = 21 %: 100,000 x 1.21 + 20,000 x 1.21 ** 0.5 = 121,000 + 20,000 x 1.1 = 143,000. So
    # MWR = 0.21 exactly.
    mwr = money_weighted(D("100000"), [(date(2026, 1, 3), D("20000"))], D("143000"),
                         date(2026, 1, 1), date(2026, 1, 4))  # fmt: skip
    assert close(mwr, "0.21")


def test_mwr_with_a_withdrawal() -> None:
    # Same period; a withdrawal of 10,000 at the start of 3 Jan, 132,000 at the end.
    # R = 44 %: 100,000 x 1.44 - 10,000 x 1.44 ** 0.5 = 144,000 - 12,000 = 132,000.
    mwr = money_weighted(D("100000"), [(date(2026, 1, 3), D("-10000"))], D("132000"),
                         date(2026, 1, 1), date(2026, 1, 4))  # fmt: skip
    assert close(mwr, "0.44")


def test_mwr_of_the_cfa_example_is_13_86_percent_a_year() -> None:
    # The same example: -100 at t0, -118 net at t1 (120 paid, 2 of dividend kept), +264 at t2.
    # The textbook's IRR r solves 100 (1 + r)^2 + 118 (1 + r) = 264, a quadratic in x = 1 + r:
    # x = (-118 + sqrt(118^2 + 4 x 100 x 264)) / 200 = (sqrt(119,524) - 118) / 200 = 1.138612...
    # r = 13.86 %. Over 730 days with the deposit 365 days in (weight 1/2): 1 + R = x^2.
    x = (D(119524).sqrt() - 118) / 200
    mwr = money_weighted(D("100"), [(date(2022, 1, 1), D("118"))], D("264"),
                         date(2021, 1, 1), date(2022, 12, 31))  # fmt: skip
    assert close(mwr, str(x * x - 1))
    assert close(annualized(mwr, 730), str(x - 1))
    assert f"{annualized(mwr, 730):.4f}" == "0.1386"


def test_mwr_of_a_period_without_money_in_is_none() -> None:
    assert money_weighted(D(0), [], D(0), date(2026, 1, 1), date(2026, 1, 31)) is None


def test_returns_are_rounded_half_up_to_six_decimals() -> None:
    returns = period_returns(D("100000"), [Day(date(2026, 1, 2), D("100000.5"))],
                             date(2026, 1, 2), date(2026, 1, 2))  # fmt: skip
    assert returns.twr == D("0.000005")  # 0.000005 exactly
    assert returns.twr_annualized is None  # a period shorter than a year


# ---- the statement ----------------------------------------------------------------------------


def _t(tid: str, day: int, kind: str, amount: str, flow: str = "0", status: str = "completed") -> Transaction:  # fmt: skip
    return Transaction(
        tid, date(2026, 3, day), kind, f"{kind} {amount}", D(amount), D(flow), status
    )


TRANSACTIONS = [
    _t("T1", 2, "deposit", "5000.00", "5000.00"),
    _t("T2", 3, "trade", "2499.99"),
    _t("T3", 10, "dividend", "12.34"),
    _t("T4", 16, "withdrawal", "1500.00", "-1500.00"),
    _t("T5", 20, "withdrawal", "800.00", "0", status="pending"),  # not completed: no flow
    _t("T6", 27, "interest", "3.21"),
    _t("T7", 31, "deposit", "250.50", "250.50"),
]


def test_a_statement_reconciles_with_the_transactions_it_lists() -> None:
    days = [Day(date(2026, 3, 2), D("105100.00"), D("5000.00")), Day(date(2026, 3, 16), D("103900.10"), D("-1500.00")),
            Day(date(2026, 3, 31), D("104420.77"), D("250.50"))]  # fmt: skip
    statement = build_statement(
        "U1234567", date(2026, 3, 1), date(2026, 3, 31), list(Section),
        base=(date(2026, 2, 27), D("100000.00")), days=days, transactions=TRANSACTIONS,
        holdings=[Holding("VTI", D("10"), D("2690.00"))], holdings_as_of=date(2026, 3, 31),
        fees=[Fee("INV-1", date(2026, 3, 1), date(2026, 3, 31), "AUM", D("85.21"), D("10.00"))],
    )  # fmt: skip
    s = statement.summary
    listed = statement.transactions
    assert [t.transaction_id for t in listed] == [f"T{i}" for i in range(1, 8)]
    completed = [t for t in listed if t.status == "completed"]
    for total in statement.totals:  # each total is the sum of the completed rows of its kind
        rows = [t for t in completed if t.kind == total.kind]
        assert total.count == len(rows)
        assert total.amount == sum((t.amount for t in rows), D(0))
    assert {t.kind for t in statement.totals} == {t.kind for t in completed}
    assert s.net_flows == sum((t.flow for t in listed), D(0)) == D("3750.50")
    assert s.dividends == D("12.34") and s.interest == D("3.21")
    assert (s.opening_nav, s.closing_nav) == (D("100000.00"), D("104420.77"))
    # opening + flows + income + change = closing, to the cent
    assert (
        s.opening_nav + s.net_flows + s.dividends + s.interest + s.change_in_value == s.closing_nav
    )
    assert s.change_in_value == D("654.72")  # 104,420.77 - 100,000 - 3,750.50 - 12.34 - 3.21
    assert statement.fees_total == D("75.21")


def test_the_statements_documents_carry_the_same_totals() -> None:
    statement = build_statement("U1234567", date(2026, 3, 1), date(2026, 3, 31), [Section.SUMMARY, Section.TRANSACTIONS],
                                base=(date(2026, 2, 27), D("100000.00")),
                                days=[Day(date(2026, 3, 31), D("104420.77"), D("3750.50"))], transactions=TRANSACTIONS)  # fmt: skip
    view = statement_view(statement, "Ada Lovelace")
    rows = list(csv.reader(io.StringIO(documents.statement_csv(view).decode())))
    data = [r for r in rows if r[0] == "Transactions" and r[1] == "Data"]
    totals = {r[3]: D(r[-2]) for r in rows if r[0] == "Transactions" and r[1] == "Total"}
    assert len(data) == 7
    assert totals["deposit"] == D("5250.50") and totals["withdrawal"] == D("1500.00")
    assert not any(r[0] == "Open Positions" for r in rows)  # a section not chosen is left out
    assert documents.statement_pdf(view, "F1000001").startswith(b"%PDF")
    other = view.model_copy(update={"account_number": "U7654321"})
    with zipfile.ZipFile(io.BytesIO(documents.zip_of([view, other], "F1000001"))) as archive:
        assert archive.namelist() == ["statement-U1234567-2026-03-01-2026-03-31.pdf",
                                      "statement-U7654321-2026-03-01-2026-03-31.pdf"]  # fmt: skip
    assert documents.combined_pdf([view, view], "F1000001").count(b"/Type /Page\n") >= 2


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(Invalid):
        build_statement(
            "U1", date(2026, 3, 31), date(2026, 3, 1), [], base=None, days=[], transactions=[]
        )


# ---- performance and schedules -----------------------------------------------------------------


def test_calendar_periods_are_cut_to_the_report() -> None:
    assert calendar_periods(date(2025, 11, 15), date(2026, 2, 10), Frequency.QUARTER) == [
        ("2025 Q4", date(2025, 11, 15), date(2025, 12, 31)),
        ("2026 Q1", date(2026, 1, 1), date(2026, 2, 10)),
    ]
    assert [p[0] for p in calendar_periods(date(2025, 12, 1), date(2026, 1, 31), Frequency.MONTH)] == ["2025-12", "2026-01"]  # fmt: skip


def test_monthly_returns_link_to_the_whole_and_compare_with_the_benchmark() -> None:
    # January: 100 -> 110 (+10 %); February: deposit 50 with 110 -> 176 (176 / 160 = +10 %).
    # The period's TWR is 1.1 x 1.1 - 1 = 21 %. The benchmark goes 200 -> 210 -> 199.5:
    # January +5 %, February -5 %, the whole 199.5 / 200 - 1 = -0.25 %.
    days = [Day(date(2026, 1, 30), D("110")), Day(date(2026, 2, 27), D("176"), D("50"))]
    levels = [
        (date(2025, 12, 31), D("200")),
        (date(2026, 1, 30), D("210")),
        (date(2026, 2, 27), D("199.5")),
    ]
    report = build_performance("U1", date(2026, 1, 1), date(2026, 2, 28), base_nav=D("100"), days=days,
                               benchmark="Index", levels=levels)  # fmt: skip
    months = {p.label: p for p in report.periods if p.frequency is Frequency.MONTH}
    assert (months["2026-01"].account, months["2026-02"].account) == (D("0.1"), D("0.1"))
    assert (months["2026-01"].benchmark, months["2026-02"].benchmark) == (D("0.05"), D("-0.05"))
    assert months["2026-02"].excess == D("0.15")
    assert report.returns.twr == D("0.21")
    assert report.benchmark_return == D("-0.0025")
    assert [(p.day, p.account) for p in report.points] == [(date(2026, 1, 30), D("0.1")), (date(2026, 2, 27), D("0.21"))]  # fmt: skip
    assert documents.performance_pdf(
        PerformanceOut.model_validate({
            "account_number": "U1", "title": None, "period_start": report.period_start, "period_end": report.period_end,
            "benchmark": "Index", "returns": {"twr": report.returns.twr, "mwr": report.returns.mwr},
            "benchmark_return": report.benchmark_return,
            "periods": [{"frequency": p.frequency.value, "label": p.label, "start": p.start, "end": p.end,
                         "account": p.account, "benchmark": p.benchmark, "excess": p.excess} for p in report.periods],
            "points": [{"day": p.day, "account": p.account, "benchmark": p.benchmark} for p in report.points],
            "rounding": "",
        }), "F1000001").startswith(b"%PDF")  # fmt: skip


def test_the_last_complete_period_of_a_schedule() -> None:
    assert last_complete_period("monthly", date(2026, 3, 1)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert last_complete_period("monthly", date(2026, 1, 15)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    assert last_complete_period("quarterly", date(2026, 4, 1)) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert last_complete_period("quarterly", date(2026, 2, 10)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )


def test_a_schedule_catches_up_on_the_periods_it_missed_oldest_first() -> None:
    months = periods_due("monthly", date(2026, 1, 15), date(2026, 4, 2))
    assert [start for start, _ in months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert periods_due("monthly", date(2026, 4, 1), date(2026, 4, 30)) == []
    quarters = periods_due("quarterly", date(2026, 2, 10), date(2026, 10, 1))
    assert quarters == [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
                        (date(2026, 7, 1), date(2026, 9, 30))]  # fmt: skip
    years_down = periods_due("monthly", date(2020, 1, 1), date(2026, 4, 1))
    assert len(years_down) == CATCH_UP_PERIODS
    assert (years_down[0][0], years_down[-1][1]) == (date(2025, 4, 1), date(2026, 3, 31))


def test_the_simulated_benchmark_is_one_level_per_master_and_deterministic() -> None:
    listed = {"AAA": 100.0, "BBB": 50.0}
    # 100 x the geometric mean of the price relatives: 100 x sqrt(1.21 x 1.0) = 110
    [first, second] = benchmark_envelopes(["F1", "F2"], date(2026, 3, 2), {"AAA": 121.0, "BBB": 50.0},
                                          listed, seed=7)  # fmt: skip
    assert first.payload.level == second.payload.level == D("110.000000")
    assert (first.master_account_id, second.master_account_id) == ("F1", "F2")
    again = benchmark_envelopes(
        ["F1"], date(2026, 3, 2), {"AAA": 121.0, "BBB": 50.0}, listed, seed=7
    )
    assert again[0].event_id == first.event_id  # a replay is dropped by the consumers' inboxes
    assert benchmark_level(listed, listed) == D("100.000000")
