"""Client reports (A10): what statements and performance reports read (the ledger, daily values,
positions, invoices, benchmark levels), and the deliveries, schedules and background runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from services.analytics.domain.statements import Day
from services.analytics.store.report_tables import (
    benchmark_levels,
    report_deliveries,
    report_positions,
    report_schedule_periods,
    report_schedules,
    statement_run_items,
    statement_runs,
)
from services.analytics.store.scope import accounts_within
from services.analytics.store.tables import (
    account_days,
    account_facts,
    contact_states,
    group_members,
    group_versions,
    ledger,
)
from services.analytics.store.tools_tables import invoices, reimbursements


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- read models kept from events

    async def add_positions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            statement = insert(report_positions).values(list(rows))
            await self._session.execute(statement.on_conflict_do_update(
                index_elements=[report_positions.c.account_number, report_positions.c.as_of],
                set_={"positions": statement.excluded.positions}))  # fmt: skip

    async def add_benchmark_levels(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            statement = insert(benchmark_levels).values(list(rows))
            await self._session.execute(statement.on_conflict_do_update(
                index_elements=[benchmark_levels.c.master_account_id, benchmark_levels.c.benchmark_id,
                                benchmark_levels.c.day],
                set_={"level": statement.excluded.level, "name": statement.excluded.name}))  # fmt: skip

    # ---- what a statement reads

    async def account(
        self, *, master_account_id: str, account_number: str, scope: ClientScope
    ) -> tuple[bool, str | None]:
        """Whether the account is the master's and within the scope, and its title."""
        row = (await self._session.execute(select(account_facts.c.title).where(
            account_facts.c.master_account_id == master_account_id,
            account_facts.c.account_number == account_number,
            account_facts.c.account_number != master_account_id,
            accounts_within(account_facts.c.account_number, scope)))).first()  # fmt: skip
        return (row is not None, row[0] if row else None)

    async def days(self, *, account_number: str, start: date, end: date) -> tuple[tuple[date, Decimal] | None, list[Day]]:  # fmt: skip
        """The last value reported before ``start``, and every day after it up to ``end``."""
        base = (await self._session.execute(select(account_days.c.day, account_days.c.nav).where(
            account_days.c.account_number == account_number, account_days.c.day < start,
            account_days.c.nav.is_not(None)).order_by(account_days.c.day.desc()).limit(1))).first()  # fmt: skip
        rows = await self._session.execute(select(account_days.c.day, account_days.c.nav, account_days.c.flow).where(
            account_days.c.account_number == account_number,
            account_days.c.day > (base[0] if base else date.min), account_days.c.day <= end,
        ).order_by(account_days.c.day))  # fmt: skip
        return ((base[0], base[1]) if base else None), [Day(r[0], r[1], r[2]) for r in rows]

    async def transactions(
        self, *, master_account_id: str, account_number: str, start: date, end: date
    ) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(ledger).where(
            ledger.c.master_account_id == master_account_id, ledger.c.account_number == account_number,
            ledger.c.booked_on.between(start, end)).order_by(ledger.c.booked_on, ledger.c.transaction_id))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def positions(self, *, account_number: str, on: date) -> tuple[date, list[dict[str, Any]]] | None:  # fmt: skip
        """The newest positions report on or before ``on``."""
        row = (await self._session.execute(select(report_positions.c.as_of, report_positions.c.positions).where(
            report_positions.c.account_number == account_number, report_positions.c.as_of <= on,
        ).order_by(report_positions.c.as_of.desc()).limit(1))).first()  # fmt: skip
        return (row[0], list(row[1])) if row else None

    async def fees(
        self, *, master_account_id: str, account_number: str, start: date, end: date
    ) -> list[dict[str, Any]]:
        """Invoices of the account whose period ends within [start, end], with what was
        reimbursed of each."""
        paid = (
            select(func.coalesce(func.sum(reimbursements.c.amount), 0))
            .where(reimbursements.c.invoice_id == invoices.c.invoice_id)
            .scalar_subquery()
        )
        rows = await self._session.execute(select(invoices, paid.label("reimbursed")).where(
            invoices.c.master_account_id == master_account_id, invoices.c.account_number == account_number,
            invoices.c.period_end.between(start, end)).order_by(invoices.c.period_end, invoices.c.number))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def benchmark(self, *, master_account_id: str, start: date, end: date) -> tuple[str | None, list[tuple[date, Decimal]]]:  # fmt: skip
        """The master's benchmark (the one reported last) and its levels from the last one
        before ``start`` up to ``end``."""
        found = (await self._session.execute(select(benchmark_levels.c.benchmark_id, benchmark_levels.c.name).where(
            benchmark_levels.c.master_account_id == master_account_id,
        ).order_by(benchmark_levels.c.day.desc()).limit(1))).first()  # fmt: skip
        if found is None:
            return None, []
        mine = and_(benchmark_levels.c.master_account_id == master_account_id,
                    benchmark_levels.c.benchmark_id == found[0])  # fmt: skip
        before = await self._session.scalar(
            select(func.max(benchmark_levels.c.day)).where(mine, benchmark_levels.c.day < start)
        )
        rows = await self._session.execute(select(benchmark_levels.c.day, benchmark_levels.c.level).where(
            mine, benchmark_levels.c.day >= (before or start), benchmark_levels.c.day <= end,
        ).order_by(benchmark_levels.c.day))  # fmt: skip
        return str(found[1]), [(r[0], Decimal(r[1])) for r in rows]

    # ---- who is in a group (a segment's members come from the account data query)

    async def group_accounts(
        self, *, master_account_id: str, group_id: UUID, scope: ClientScope
    ) -> list[str] | None:
        """The group's members' accounts within the scope, or None: no such group."""
        known = await self._session.scalar(select(group_versions.c.group_id).where(
            group_versions.c.group_id == group_id, group_versions.c.master_account_id == master_account_id,
            group_versions.c.deleted.is_(False)))  # fmt: skip
        if known is None:
            return None
        rows = await self._session.scalars(select(contact_states.c.account_number).join(
            group_members, group_members.c.contact_id == contact_states.c.contact_id).where(
            group_members.c.group_id == group_id, contact_states.c.master_account_id == master_account_id,
            contact_states.c.account_number.is_not(None), contact_states.c.removed.is_(False),
            accounts_within(contact_states.c.account_number, scope),
        ).order_by(contact_states.c.account_number))  # fmt: skip
        return [a for a in rows if a]

    # ---- deliveries and schedules

    async def add_delivery(self, row: Mapping[str, Any]) -> None:
        await self._session.execute(insert(report_deliveries).values(dict(row)))

    async def set_outcomes(self, outcomes: Sequence[Mapping[str, Any]]) -> None:
        """(delivery_id, status, reason, at): a final outcome is kept (a repeat changes nothing)."""
        for outcome in outcomes:
            await self._session.execute(update(report_deliveries).where(
                report_deliveries.c.delivery_id == outcome["delivery_id"],
                report_deliveries.c.status == "requested",
            ).values(status=outcome["status"], reason=outcome["reason"], updated_at=outcome["at"]))  # fmt: skip

    async def deliveries(self, *, master_account_id: str, account_number: str, limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
        rows = await self._session.execute(select(report_deliveries).where(
            report_deliveries.c.master_account_id == master_account_id,
            report_deliveries.c.account_number == account_number,
        ).order_by(report_deliveries.c.requested_at.desc()).limit(limit))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def add_schedule(self, row: Mapping[str, Any]) -> None:
        await self._session.execute(insert(report_schedules).values(dict(row)))

    async def schedules(self, *, master_account_id: str, account_number: str) -> list[dict[str, Any]]:  # fmt: skip
        rows = await self._session.execute(select(report_schedules).where(
            report_schedules.c.master_account_id == master_account_id,
            report_schedules.c.account_number == account_number,
            report_schedules.c.cancelled_at.is_(None)).order_by(report_schedules.c.created_at))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def cancel_schedule(self, *, master_account_id: str, account_number: str, schedule_id: UUID, at: datetime) -> bool:  # fmt: skip
        result = await self._session.execute(update(report_schedules).where(
            report_schedules.c.schedule_id == schedule_id,
            report_schedules.c.master_account_id == master_account_id,
            report_schedules.c.account_number == account_number,
            report_schedules.c.cancelled_at.is_(None)).values(cancelled_at=at).returning(report_schedules.c.schedule_id))  # fmt: skip
        return result.first() is not None

    async def due_schedules(self, *, limit: int) -> list[dict[str, Any]]:
        """Active schedules, oldest first (the job claims each one's period itself)."""
        rows = await self._session.execute(select(report_schedules).where(
            report_schedules.c.cancelled_at.is_(None)).order_by(report_schedules.c.created_at).limit(limit))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def delivered_periods(self, schedule_ids: Sequence[UUID]) -> set[tuple[UUID, date]]:
        if not schedule_ids:
            return set()
        rows = await self._session.execute(select(report_schedule_periods.c.schedule_id, report_schedule_periods.c.period_start)
                                           .where(report_schedule_periods.c.schedule_id.in_(list(schedule_ids))))  # fmt: skip
        return {(r[0], r[1]) for r in rows}

    async def claim_period(self, *, schedule_id: UUID, period_start: date, delivery_id: UUID, at: datetime) -> bool:  # fmt: skip
        """Claim one schedule's period (unique): False when it was claimed already."""
        result = await self._session.execute(insert(report_schedule_periods).values(
            schedule_id=schedule_id, period_start=period_start, delivery_id=delivery_id, claimed_at=at,
        ).on_conflict_do_nothing().returning(report_schedule_periods.c.schedule_id))  # fmt: skip
        return result.first() is not None

    # ---- statements of a group or segment, in the background

    async def add_run(self, row: Mapping[str, Any]) -> None:
        await self._session.execute(insert(statement_runs).values(dict(row)))

    async def runs(self, *, master_account_id: str, requested_by: str, run_id: UUID | None = None, limit: int = 50) -> list[dict[str, Any]]:  # fmt: skip
        conditions = [statement_runs.c.master_account_id == master_account_id,
                      statement_runs.c.requested_by == requested_by]  # fmt: skip
        if run_id is not None:
            conditions.append(statement_runs.c.run_id == run_id)
        columns = [c for c in statement_runs.c if c.name != "result"]
        rows = await self._session.execute(
            select(*columns).where(*conditions).order_by(statement_runs.c.created_at.desc()).limit(limit)
        )  # fmt: skip
        return [dict(row._mapping) for row in rows]

    async def result(self, *, master_account_id: str, requested_by: str, run_id: UUID) -> tuple[bytes, str] | None:  # fmt: skip
        row = (await self._session.execute(select(statement_runs.c.result, statement_runs.c.result_name).where(
            statement_runs.c.run_id == run_id, statement_runs.c.master_account_id == master_account_id,
            statement_runs.c.requested_by == requested_by, statement_runs.c.status == "done"))).first()  # fmt: skip
        return (bytes(row[0]), str(row[1])) if row and row[0] is not None else None

    async def claim_run(self) -> dict[str, Any] | None:
        """The oldest unfinished run, locked for this transaction (another replica skips it)."""
        columns = [c for c in statement_runs.c if c.name != "result"]
        row = (await self._session.execute(select(*columns).where(
            or_(statement_runs.c.status == "queued", statement_runs.c.status == "running"),
        ).order_by(statement_runs.c.created_at).limit(1).with_for_update(skip_locked=True))).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def add_items(self, run_id: UUID, items: Mapping[str, Any]) -> None:
        if items:
            await self._session.execute(insert(statement_run_items).values(
                [{"run_id": run_id, "account_number": a, "statement": s} for a, s in items.items()]
            ).on_conflict_do_nothing())  # fmt: skip

    async def items(self, run_id: UUID) -> list[dict[str, Any]]:
        rows = await self._session.execute(select(statement_run_items.c.statement).where(
            statement_run_items.c.run_id == run_id).order_by(statement_run_items.c.account_number))  # fmt: skip
        return [dict(row[0]) for row in rows]

    async def update_run(self, run_id: UUID, **values: Any) -> None:
        await self._session.execute(
            update(statement_runs).where(statement_runs.c.run_id == run_id).values(**values)
        )
