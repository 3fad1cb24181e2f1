"""Fee templates, client fee configuration, invoices and reimbursements; and what the ledger and
daily values say about an account over a period (fees) or a year (RMD)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.store.segments import accounts_within
from services.analytics.store.tables import account_days, ledger
from services.analytics.store.tools_tables import (
    client_fees,
    fee_templates,
    invoices,
    reimbursements,
    segment_facts,
)


class FeeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_template(self, row: dict[str, Any]) -> None:
        await self._session.execute(insert(fee_templates).values(row))

    async def templates(self, *, master_account_id: str) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(fee_templates).where(
            fee_templates.c.master_account_id == master_account_id).order_by(fee_templates.c.name))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def configure(self, row: dict[str, Any]) -> None:
        statement = insert(client_fees).values(row)
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=[client_fees.c.master_account_id, client_fees.c.account_number],
            set_={"template_id": statement.excluded.template_id}))  # fmt: skip

    async def client_fees(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(client_fees.c.account_number, client_fees.c.template_id,
                   fee_templates.c.name.label("template_name"), segment_facts.c.first_name,
                   segment_facts.c.last_name)
            .join(fee_templates, fee_templates.c.template_id == client_fees.c.template_id)
            .outerjoin(segment_facts, segment_facts.c.account_number == client_fees.c.account_number)
            .where(client_fees.c.master_account_id == master_account_id,
                   accounts_within(client_fees.c.account_number, scope))
            .order_by(client_fees.c.account_number))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def add_invoices(self, rows: list[dict[str, Any]]) -> list[UUID]:
        """The invoices added; one already made for the same account and period is kept."""
        if not rows:
            return []
        added = await self._session.scalars(insert(invoices).values(rows).on_conflict_do_nothing(
            constraint="uq_invoices_period").returning(invoices.c.invoice_id))  # fmt: skip
        return list(added)

    async def invoices(self, *, master_account_id: str, scope: ClientScope,
                       invoice_id: UUID | None = None, lock: bool = False) -> list[dict[str, Any]]:  # fmt: skip
        query = select(invoices).where(invoices.c.master_account_id == master_account_id,
                                       accounts_within(invoices.c.account_number, scope))  # fmt: skip
        if invoice_id is not None:
            query = query.where(invoices.c.invoice_id == invoice_id)
        if lock:
            query = query.with_for_update()
        rows = await self._session.execute(
            query.order_by(invoices.c.period_end.desc(), invoices.c.account_number).limit(1000)
        )
        return [dict(row._mapping) for row in rows]

    async def count_invoices(self, *, master_account_id: str) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(invoices).where(
            invoices.c.master_account_id == master_account_id)) or 0)  # fmt: skip

    async def add_reimbursement(self, row: dict[str, Any]) -> None:
        await self._session.execute(insert(reimbursements).values(row))

    async def reimbursements(self, *, invoice_ids: list[UUID]) -> list[dict[str, Any]]:
        if not invoice_ids:
            return []
        rows = await self._session.execute(select(reimbursements).where(
            reimbursements.c.invoice_id.in_(invoice_ids)).order_by(reimbursements.c.created_at))  # fmt: skip
        return [dict(row._mapping) for row in rows]


class ActivityRepository:
    """Reads of the dashboard's ledger and daily values."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def period(
        self, *, master_account_id: str, account_number: str, start: date, end: date
    ) -> tuple[Decimal, int, int]:
        """(average reported NAV, days reported, trades) over [start, end]."""
        nav = (await self._session.execute(select(func.avg(account_days.c.nav), func.count(account_days.c.nav)).where(
            account_days.c.account_number == account_number, account_days.c.master_account_id == master_account_id,
            account_days.c.day.between(start, end), account_days.c.nav.is_not(None)))).one()  # fmt: skip
        trades = await self._session.scalar(select(func.count()).select_from(ledger).where(
            ledger.c.account_number == account_number, ledger.c.master_account_id == master_account_id,
            ledger.c.kind == "trade", ledger.c.booked_on.between(start, end)))  # fmt: skip
        return Decimal(nav[0] or 0), int(nav[1] or 0), int(trades or 0)

    async def year_end_balance(
        self, *, master_account_id: str, account_number: str, year: int
    ) -> Decimal | None:
        """The last value reported on or before 31 December of ``year`` (within that December)."""
        value = await self._session.scalar(select(account_days.c.nav).where(
            account_days.c.account_number == account_number, account_days.c.master_account_id == master_account_id,
            account_days.c.day.between(date(year, 12, 1), date(year, 12, 31)), account_days.c.nav.is_not(None),
        ).order_by(account_days.c.day.desc()).limit(1))  # fmt: skip
        return Decimal(value) if value is not None else None

    async def year_end_balances(
        self, *, master_account_id: str, account_numbers: Sequence[str], year: int
    ) -> dict[str, Decimal]:
        """``year_end_balance`` of several accounts in one query (those with none are left out)."""
        if not account_numbers:
            return {}
        rows = await self._session.execute(select(account_days.c.account_number, account_days.c.nav).where(
            account_days.c.account_number.in_(sorted(set(account_numbers))),
            account_days.c.master_account_id == master_account_id,
            account_days.c.day.between(date(year, 12, 1), date(year, 12, 31)), account_days.c.nav.is_not(None),
        ).order_by(account_days.c.account_number, account_days.c.day.desc())
         .ext(distinct_on(account_days.c.account_number)))  # fmt: skip
        return {row.account_number: Decimal(row.nav) for row in rows}

    async def withdrawals(
        self, *, master_account_id: str, account_numbers: Sequence[str], year: int
    ) -> dict[str, Decimal]:
        """``withdrawn`` of several accounts in one query (those with none are left out)."""
        if not account_numbers:
            return {}
        rows = await self._session.execute(select(ledger.c.account_number, func.sum(ledger.c.amount)).where(
            ledger.c.account_number.in_(sorted(set(account_numbers))),
            ledger.c.master_account_id == master_account_id, ledger.c.kind == "withdrawal",
            ledger.c.booked_on.between(date(year, 1, 1), date(year, 12, 31)),
        ).group_by(ledger.c.account_number))  # fmt: skip
        return {number: abs(Decimal(total or 0)) for number, total in rows}

    async def withdrawn(self, *, master_account_id: str, account_number: str, year: int) -> Decimal:
        total = await self._session.scalar(select(func.coalesce(func.sum(ledger.c.amount), 0)).where(
            ledger.c.account_number == account_number, ledger.c.master_account_id == master_account_id,
            ledger.c.kind == "withdrawal", ledger.c.booked_on.between(date(year, 1, 1), date(year, 12, 31))))  # fmt: skip
        return abs(Decimal(total or 0))
