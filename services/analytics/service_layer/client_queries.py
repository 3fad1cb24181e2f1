"""Use cases of the client data queries (A3): performance (time-weighted return thresholds),
symbol, transaction count and required minimum distributions due; within the caller's scope."""

from __future__ import annotations

from datetime import date

from contracts.access import Access
from contracts.api.analytics_queries import (
    PerformanceQuery,
    PerformanceResult,
    PerformanceRow,
    RmdQuery,
    RmdResult,
    RmdRow,
    SymbolQuery,
    SymbolResult,
    SymbolRow,
    TransactionCountQuery,
    TransactionCountResult,
    TransactionCountRow,
)
from services.analytics.domain import rmd
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork


async def performance(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: PerformanceQuery
) -> PerformanceResult:
    rows, total = await uow.account_days.period_returns(
        master_account_id,
        access.scope,
        query.date_from,
        query.date_to,
        above=None if query.above is None else query.above / 100,
        below=None if query.below is None else query.below / 100,
        limit=query.limit,
    )
    return PerformanceResult(
        rows=[
            PerformanceRow(
                account_number=a,
                account_title=t,
                start_value=s,
                end_value=e,
                twr_percent=round(r * 100, 6),
            )
            for a, t, s, e, r in rows
        ],
        total=total,
    )


async def symbol(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: SymbolQuery
) -> SymbolResult:
    rows = await uow.ledger.symbol_activity(
        master_account_id, access.scope, query.symbol, query.date_from, query.date_to
    )
    return SymbolResult(
        rows=[
            SymbolRow(account_number=a, account_title=t, trades=n, held=h) for a, t, n, h in rows
        ],
        total=len(rows),
    )


async def transaction_count(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: TransactionCountQuery
) -> TransactionCountResult:
    rows = await uow.ledger.transaction_counts(
        master_account_id, access.scope, query.date_from, query.date_to, query.threshold
    )
    return TransactionCountResult(
        rows=[
            TransactionCountRow(
                account_number=a,
                account_title=t,
                trades=tr,
                dividends=dv,
                position_transfers=pt,
                total=tr + dv + pt,
            )
            for a, t, tr, dv, pt in rows
        ],
        total=len(rows),
    )


def must_take_rmd(birth_date: date | None, tax_year: int) -> tuple[bool, int | None, str]:
    """Whether the holder of an eligible account must take an RMD for ``tax_year`` (the rules
    of ``domain/rmd.py``): they reach the required beginning age in that year or before."""
    if birth_date is None:
        return False, None, "no date of birth on record"
    age = rmd.age_in(tax_year, birth_date)
    beginning = rmd.required_beginning_age(birth_date)
    if age >= beginning:
        return True, age, f"reaches {age} in {tax_year} (required from age {beginning})"
    return False, age, f"required from age {beginning}"


async def rmd_due(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: RmdQuery
) -> RmdResult:
    types = sorted(t.value for t in rmd.ELIGIBLE_TYPES)
    accounts = await uow.retirement_accounts.eligible(master_account_id, types, access.scope)
    rows = []
    for account, title, kind, born in accounts:
        due, age, reason = must_take_rmd(born, query.tax_year)
        if due:
            rows.append(
                RmdRow(
                    account_number=account,
                    account_title=title,
                    account_type=kind,
                    date_of_birth=born,
                    age_at_year_end=age,
                    reason=reason,
                )
            )
    return RmdResult(rows=rows, total=len(rows))
