"""Consolidated statements of linked accounts (A10 with L3): the group's totals are the sums of
the accounts' own statements and reconcile with the transactions listed, the returns are those
of the summed daily values and flows (worked by hand), and a group with an account outside the
caller's scope has no consolidated statement for that caller."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.api.reports import StatementOut, StatementQuery
from services.analytics.domain.account_links import Link
from services.analytics.domain.statements import Day, combine_days, time_weighted
from services.analytics.service_layer import report_documents as documents
from services.analytics.service_layer import reports
from services.runtime.errors import NotFound

D = Decimal
MASTER, A, B, ALONE = "F1000001", "U2000001", "U2000002", "U2000003"
START, END = date(2026, 1, 1), date(2026, 1, 4)

# Account A: 1,000 on 31 Dec; 1,100 on 2 Jan; a deposit of 500 on 3 Jan (no value reported that
# day); 1,760 on 4 Jan; a dividend of 10 on 4 Jan. Account B: 2,000 on 30 Dec; 1,900 on 2 Jan;
# 2,090 on 4 Jan; interest of 5 on 2 Jan.
SERIES = {
    A: ((date(2025, 12, 31), D("1000")),
        [Day(date(2026, 1, 2), D("1100")), Day(date(2026, 1, 3), None, D("500")),
         Day(date(2026, 1, 4), D("1760"))]),
    B: ((date(2025, 12, 30), D("2000")),
        [Day(date(2026, 1, 2), D("1900")), Day(date(2026, 1, 4), D("2090"))]),
    ALONE: (None, []),
}  # fmt: skip


def _row(account: str, tid: str, kind: str, day: date, amount: str, flow: str = "0") -> dict[str, Any]:  # fmt: skip
    return {"transaction_id": tid, "account_number": account, "master_account_id": MASTER,
            "kind": kind, "booked_on": day, "amount": D(amount), "currency": "USD",
            "method": "ach" if kind == "deposit" else None, "status": "completed", "flow": D(flow)}  # fmt: skip


ROWS = {
    A: [_row(A, "t-a1", "deposit", date(2026, 1, 3), "500", "500"),
        _row(A, "t-a2", "dividend", date(2026, 1, 4), "10")],
    B: [_row(B, "t-b1", "interest", date(2026, 1, 2), "5")],
    ALONE: [],
}  # fmt: skip
HELD = {
    A: (date(2026, 1, 4), [{"symbol": "AAPL", "quantity": "10", "market_value": "1500"}]),
    B: (date(2026, 1, 3), [{"symbol": "AAPL", "quantity": "5", "market_value": "750"},
                           {"symbol": "MSFT", "quantity": "2", "market_value": "600"}]),
}  # fmt: skip
FEES = {A: [{"number": "INV-1", "period_start": START, "period_end": END, "template_name": "Advisory",
             "total": "12.50", "reimbursed": "2.50"}]}  # fmt: skip


class FakeReports:
    async def account(self, *, master_account_id: str, account_number: str, scope: ClientScope) -> tuple[bool, str | None]:  # fmt: skip
        found = master_account_id == MASTER and account_number in SERIES and (
            scope.all_clients or account_number in scope.account_numbers)  # fmt: skip
        return found, f"Client {account_number}" if found else None

    async def days(self, *, account_number: str, start: date, end: date) -> Any:
        return SERIES[account_number]

    async def transactions(self, *, master_account_id: str, account_number: str, start: date, end: date) -> Any:  # fmt: skip
        return ROWS[account_number]

    async def positions(self, *, account_number: str, on: date) -> Any:
        return HELD.get(account_number)

    async def fees(self, *, master_account_id: str, account_number: str, start: date, end: date) -> Any:  # fmt: skip
        return FEES.get(account_number, [])


class FakeLinks:
    def __init__(self, links: list[Link]) -> None:
        self._links = links

    async def links(self, *, master_account_id: str) -> list[Link]:
        return list(self._links) if master_account_id == MASTER else []

    async def linked_within(self, *, master_account_id: str, scope: ClientScope) -> set[str]:
        linked = {a for link in await self.links(master_account_id=master_account_id) for a in link.accounts}  # fmt: skip
        return linked if scope.all_clients else linked & set(scope.account_numbers)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.reports = FakeReports()
        self.account_links = FakeLinks(
            [Link(uuid4(), A, (A, B), datetime(2026, 1, 9, 18, tzinfo=UTC))]
        )


def _access(*accounts: str) -> Access:
    scope = (ClientScope(all_clients=False, account_numbers=frozenset(accounts)) if accounts
             else ClientScope.everything())  # fmt: skip
    return Access(is_primary=False, rights=frozenset({Right.ACTIVITY_STATEMENT}), scope=scope)


QUERY = StatementQuery(period_start=START, period_end=END)
CONSOLIDATED = StatementQuery(period_start=START, period_end=END, consolidated=True)


async def _statements(access: Access) -> tuple[StatementOut, StatementOut, StatementOut]:
    uow: Any = FakeUnitOfWork()
    single = [
        await reports.statement(uow, MASTER, account, QUERY, access=access) for account in (A, B)
    ]
    return (
        single[0],
        single[1],
        await reports.statement(uow, MASTER, B, CONSOLIDATED, access=access),
    )


def test_combined_days_carry_an_unreported_account_at_its_last_value_plus_its_flows() -> None:
    base, days = combine_days([SERIES[A], SERIES[B]])
    assert base == (date(2025, 12, 31), D("3000"))  # dated at the latest base
    assert days == [Day(date(2026, 1, 2), D("3000")),  # 1,100 + 1,900
                    Day(date(2026, 1, 3), None, D("500")),  # nobody reports: flows only
                    Day(date(2026, 1, 4), D("3850"))]  # 1,760 + 2,090  # fmt: skip
    # B is carried at 1,900 (no flow) on a day only A reports:
    _, partial = combine_days([SERIES[A], (SERIES[B][0], SERIES[B][1][:1])])
    assert partial[-1] == Day(date(2026, 1, 4), D("3660"))  # 1,760 + 1,900
    assert time_weighted(base[1] if base else None, days) is not None


async def test_consolidated_totals_are_the_sums_of_the_single_statements() -> None:
    one, two, group = await _statements(_access())
    assert group.accounts == [A, B] and group.account_number == B
    for name in (
        "opening_nav",
        "net_flows",
        "dividends",
        "interest",
        "change_in_value",
        "closing_nav",
    ):
        assert getattr(group.summary, name) == getattr(one.summary, name) + getattr(two.summary, name), name  # fmt: skip
    assert group.summary.opening_nav == D("3000") and group.summary.closing_nav == D("3850")
    assert group.summary.closing_as_of == date(2026, 1, 4)
    assert group.fees_total == one.fees_total + two.fees_total == D("10.00")
    # every transaction of both accounts is listed, with its account, and the totals reconcile
    assert [(t.account_number, t.transaction_id) for t in group.transactions] == [
        (B, "t-b1"), (A, "t-a1"), (A, "t-a2")]  # fmt: skip
    assert {t.kind: t.amount for t in group.totals} == {"deposit": D("500"), "dividend": D("10"),
                                                         "interest": D("5")}  # fmt: skip
    s = group.summary
    assert s.net_flows == sum((t.flow for t in group.transactions), D(0)) == D("500")
    assert (
        s.opening_nav + s.net_flows + s.dividends + s.interest + s.change_in_value == s.closing_nav
    )
    assert [(p.symbol, p.quantity, p.market_value) for p in group.positions] == [
        ("AAPL", D("15"), D("2250")), ("MSFT", D("2"), D("600"))]  # fmt: skip
    assert group.positions_as_of == date(2026, 1, 4)
    assert "summed daily values" in group.rounding
    assert one.accounts == [] and all(t.account_number is None for t in one.transactions)


async def test_consolidated_returns_are_those_of_the_summed_values_and_flows() -> None:
    # Summed: 3,000 on 31 Dec; 3,000 on 2 Jan (g = 1); a deposit of 500 on 3 Jan; 3,850 on 4 Jan
    # (g = 3,850 / (3,000 + 500) = 1.1). TWR = 1 x 1.1 - 1 = 0.1 (A alone: 1.1 x 1.1 - 1 = 0.21;
    # B alone: 0.95 x 1.1 - 1 = 0.045).
    # MWR: 3,000 x (1 + R) + 500 x (1 + R) ** (2/4) = 3,850; with x = (1 + R) ** 0.5,
    # 3,000 x^2 + 500 x - 3,850 = 0: x = (sqrt(500^2 + 4 x 3,000 x 3,850) - 500) / 6,000.
    one, two, group = await _statements(_access())
    assert group.returns.twr == D("0.100000")
    x = (D(250000 + 46200000).sqrt() - 500) / 6000
    assert group.returns.mwr is not None
    assert abs(group.returns.mwr - (x * x - 1)) < D("0.000001")
    assert group.returns.twr not in (one.returns.twr, two.returns.twr)


async def test_a_linked_account_outside_the_scope_leaves_no_consolidated_statement() -> None:
    uow: Any = FakeUnitOfWork()
    narrow = _access(B)
    assert (await reports.statement(uow, MASTER, B, QUERY, access=narrow)).account_number == B
    with pytest.raises(NotFound) as refused:
        await reports.statement(uow, MASTER, B, CONSOLIDATED, access=narrow)
    assert "outside your client scope" in refused.value.message and A not in refused.value.message
    assert (await reports.consolidation(uow, MASTER, B, access=narrow)).accounts == []
    assert (await reports.consolidation(uow, MASTER, B, access=_access(A, B))).accounts == [A, B]


async def test_an_unlinked_account_has_no_consolidated_statement() -> None:
    uow: Any = FakeUnitOfWork()
    with pytest.raises(NotFound):
        await reports.statement(uow, MASTER, ALONE, CONSOLIDATED, access=_access())
    assert (await reports.consolidation(uow, MASTER, ALONE, access=_access())).accounts == []


async def test_consolidated_csv_and_pdf_name_each_transactions_account() -> None:
    *_, group = await _statements(_access())
    lines = list(csv.reader(io.StringIO(documents.statement_csv(group).decode())))
    assert ["Statement", "Data", "Linked accounts", f"{A} {B}"] in lines
    header = next(line for line in lines if line[:2] == ["Transactions", "Header"])
    data = [line for line in lines if line[:2] == ["Transactions", "Data"]]
    assert header[-1] == "Account" and [line[-1] for line in data] == [B, A, A]
    assert documents.statement_pdf(group, MASTER).startswith(b"%PDF")
