"""Client reports (A10): activity statements and performance reports of one account within the
caller's reach, their deliveries to the client's email of record (now, or by a schedule once per
period), and the read models they need (positions, benchmark levels, delivery outcomes)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid4

import structlog

from contracts import topics
from contracts.access import Access, Right
from contracts.accounts import PositionsReported
from contracts.api.reports import (
    ConsolidationOut,
    DeliveryIn,
    DeliveryList,
    DeliveryOut,
    PerformanceOut,
    Period,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
    StatementOut,
    StatementQuery,
)
from contracts.reports import (
    ATTACHMENT_MAX_BYTES,
    ReportDeliveryChanged,
    ReportDeliveryRequested,
    ReportKind,
)
from services.analytics.domain import statements as rules
from services.analytics.domain.ledger import LedgerRow, describe
from services.analytics.domain.master_days import today_in, zone_named
from services.analytics.domain.performance import build_performance
from services.analytics.service_layer import account_links
from services.analytics.service_layer import report_documents as documents
from services.analytics.service_layer.account_links import AccountLinksUnitOfWork
from services.analytics.store.masters import MasterZoneRepository
from services.analytics.store.reports import ReportRepository
from services.runtime.clock import Clock
from services.runtime.consumers import Delivery
from services.runtime.db import EventPublisher
from services.runtime.errors import Forbidden, Invalid, NotFound
from services.runtime.jobs import repeat
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

RIGHT_OF = {ReportKind.STATEMENT: Right.ACTIVITY_STATEMENT,
            ReportKind.PERFORMANCE: Right.PORTFOLIO_ANALYST}  # fmt: skip
SCHEDULES_PER_PASS = 20
NO_CONSOLIDATION = ("no consolidated statement: the account is not linked, or one of its linked "
                    "accounts is outside your client scope")  # fmt: skip
CONSOLIDATED_NOTE = (" Consolidated: each amount is the sum over the linked accounts; returns are "
                     "computed on their summed daily values and summed external flows.")  # fmt: skip


class ReportsUnitOfWork(EventPublisher, Protocol):
    @property
    def reports(self) -> ReportRepository: ...

    @property
    def master_zones(self) -> MasterZoneRepository: ...


async def master_today(uow: ReportsUnitOfWork, master: str, now: datetime) -> date:
    """The master's date at ``now``, in its time zone (UTC until the gateway announced it)."""
    return today_in(zone_named(await uow.master_zones.zone_of(master)), now)


def allowed(access: Access, report: ReportKind) -> None:
    if not access.has(RIGHT_OF[report]):
        raise Forbidden(f"this needs the {RIGHT_OF[report].value} right")


# ---- the read models ---------------------------------------------------------------------------


async def apply_positions(deliveries: Sequence[Delivery[Any]], uow: ReportsUnitOfWork) -> None:
    """Positions reports with quantities and market values (the statement's open positions)."""
    rows: dict[tuple[str, date], dict[str, Any]] = {}
    for d in deliveries:
        event = d.event
        if isinstance(event, PositionsReported):
            rows[(event.account_number, event.as_of)] = {
                "account_number": event.account_number, "as_of": event.as_of,
                "master_account_id": d.envelope.master_account_id,
                "positions": [{"symbol": p.symbol, "quantity": str(p.quantity), "market_value": str(p.market_value)}
                              for p in event.positions if p.quantity],
            }  # fmt: skip
    await uow.reports.add_positions(list(rows.values()))


async def apply_benchmarks(deliveries: Sequence[Delivery[Any]], uow: ReportsUnitOfWork) -> None:
    rows = {
        (d.envelope.master_account_id, d.event.benchmark_id, d.event.as_of): {
            "master_account_id": d.envelope.master_account_id, "benchmark_id": d.event.benchmark_id,
            "day": d.event.as_of, "name": d.event.name, "level": d.event.level,
        }
        for d in deliveries
    }  # fmt: skip
    await uow.reports.add_benchmark_levels(list(rows.values()))


async def apply_delivery_outcomes(deliveries: Sequence[Delivery[Any]], uow: ReportsUnitOfWork) -> None:  # fmt: skip
    """The communication center's outcome of each delivery (the first final one is kept)."""
    outcomes = []
    for d in deliveries:
        event: ReportDeliveryChanged = d.event
        outcomes.append({"delivery_id": event.delivery_id, "status": event.status.value,
                         "reason": event.reason, "at": event.at})  # fmt: skip
    await uow.reports.set_outcomes(outcomes)


# ---- statements and performance reports ------------------------------------------------------


async def _reach(uow: ReportsUnitOfWork, master: str, account: str, access: Access) -> str | None:
    found, title = await uow.reports.account(master_account_id=master, account_number=account,
                                             scope=access.scope)  # fmt: skip
    if not found:
        raise NotFound("account")
    return title


def _transaction(row: dict[str, Any]) -> rules.Transaction:
    ledger_row = LedgerRow(**row)
    return rules.Transaction(
        transaction_id=ledger_row.transaction_id, booked_on=ledger_row.booked_on,
        kind=ledger_row.kind, description=describe(ledger_row), amount=ledger_row.amount,
        flow=ledger_row.flow, status=ledger_row.status, symbol=ledger_row.symbol,
        quantity=ledger_row.quantity,
    )  # fmt: skip


async def _account_statement(
    uow: ReportsUnitOfWork, master: str, account: str, query: StatementQuery
) -> tuple[rules.Statement, rules.Series]:
    """One account's statement and its values (the caller checked its reach)."""
    start, end = query.period_start, query.period_end
    base, days = await uow.reports.days(account_number=account, start=start, end=end)
    rows = await uow.reports.transactions(master_account_id=master, account_number=account,
                                          start=start, end=end)  # fmt: skip
    held = await uow.reports.positions(account_number=account, on=end)
    fees = await uow.reports.fees(master_account_id=master, account_number=account, start=start, end=end)  # fmt: skip
    statement = rules.build_statement(
        account, start, end, [rules.Section(s) for s in query.sections], base=base, days=days,
        transactions=[_transaction(r) for r in rows],
        holdings=[rules.Holding(p["symbol"], Decimal(p["quantity"]), Decimal(p["market_value"]))
                  for p in (held[1] if held else [])],
        holdings_as_of=held[0] if held else None,
        fees=[rules.Fee(f["number"], f["period_start"], f["period_end"], f["template_name"],
                        Decimal(f["total"]), Decimal(f["reimbursed"])) for f in fees],
    )  # fmt: skip
    return statement, (base, days)


async def build_statement(
    uow: ReportsUnitOfWork, master: str, account: str, query: StatementQuery, *, access: Access
) -> StatementOut:
    """The activity statement of one account within reach (another's, or one out of the
    caller's scope, is not found)."""
    allowed(access, ReportKind.STATEMENT)
    rules.check_period(query.period_start, query.period_end)
    title = await _reach(uow, master, account, access)
    statement, _ = await _account_statement(uow, master, account, query)
    return statement_view(statement, title)


# ---- consolidated statements of linked accounts (L3) -------------------------------------------


class ConsolidatingUnitOfWork(ReportsUnitOfWork, AccountLinksUnitOfWork, Protocol):
    pass


async def _group_within_reach(
    uow: ConsolidatingUnitOfWork, master: str, account: str, access: Access
) -> list[str]:
    """The accounts of the account's link group (every link executed so far) when every one of
    them is within the caller's scope; none when it is not linked or one is out of reach (the
    consolidated statement then does not exist for the caller, as that account's own does not)."""
    group = (await account_links.groups_of(uow, master)).get(account)
    if group is None:
        return []
    visible = await uow.account_links.linked_within(master_account_id=master, scope=access.scope)
    return list(group.accounts) if set(group.accounts) <= visible else []


async def consolidation(
    uow: ConsolidatingUnitOfWork, master: str, account: str, *, access: Access
) -> ConsolidationOut:
    allowed(access, ReportKind.STATEMENT)
    await _reach(uow, master, account, access)
    return ConsolidationOut(account_number=account,
                            accounts=await _group_within_reach(uow, master, account, access))  # fmt: skip


async def build_consolidated_statement(
    uow: ConsolidatingUnitOfWork, master: str, account: str, query: StatementQuery, *,
    access: Access,
) -> StatementOut:  # fmt: skip
    """The consolidated statement of the account's link group (``domain/statements.py``):
    not found when the account is not linked or any account of its group is out of reach."""
    allowed(access, ReportKind.STATEMENT)
    rules.check_period(query.period_start, query.period_end)
    title = await _reach(uow, master, account, access)
    accounts = await _group_within_reach(uow, master, account, access)
    if not accounts:
        raise NotFound("consolidated statement", NO_CONSOLIDATION)
    parts = [await _account_statement(uow, master, member, query) for member in accounts]
    consolidated = rules.consolidate(account, [p[0] for p in parts], [p[1] for p in parts])
    return statement_view(consolidated, title)


async def statement(
    uow: ConsolidatingUnitOfWork, master: str, account: str, query: StatementQuery, *,
    access: Access,
) -> StatementOut:  # fmt: skip
    """The account's statement, or its link group's consolidated one when the query asks."""
    if query.consolidated:
        return await build_consolidated_statement(uow, master, account, query, access=access)
    return await build_statement(uow, master, account, query, access=access)


def statement_view(s: rules.Statement, title: str | None) -> StatementOut:
    return StatementOut.model_validate({
        "account_number": s.account_number, "title": title, "period_start": s.period_start,
        "period_end": s.period_end, "sections": [x.value for x in s.sections],
        "summary": asdict(s.summary), "totals": [asdict(t) for t in s.totals],
        "transactions": [asdict(t) for t in s.transactions],
        "positions": [asdict(p) for p in s.positions], "positions_as_of": s.positions_as_of,
        "fees": [asdict(f) for f in s.fees], "fees_total": s.fees_total,
        "returns": asdict(s.returns), "rounding": rules.ROUNDING_NOTE + (CONSOLIDATED_NOTE if s.accounts else ""),
        "accounts": list(s.accounts),
    })  # fmt: skip


async def build_performance_report(
    uow: ReportsUnitOfWork, master: str, account: str, query: Period, *, access: Access
) -> PerformanceOut:
    allowed(access, ReportKind.PERFORMANCE)
    title = await _reach(uow, master, account, access)
    start, end = query.period_start, query.period_end
    base, days = await uow.reports.days(account_number=account, start=start, end=end)
    benchmark, levels = await uow.reports.benchmark(master_account_id=master, start=start, end=end)
    report = build_performance(account, start, end, base_nav=base[1] if base else None, days=days,
                               benchmark=benchmark, levels=levels)  # fmt: skip
    return PerformanceOut.model_validate({
        "account_number": account, "title": title, "period_start": start, "period_end": end,
        "benchmark": benchmark, "returns": asdict(report.returns),
        "benchmark_return": report.benchmark_return,
        "periods": [{**asdict(p), "frequency": p.frequency.value, "excess": p.excess} for p in report.periods],
        "points": [asdict(p) for p in report.points],
        "rounding": rules.ROUNDING_NOTE + " Benchmark returns: ratios of index levels.",
    })  # fmt: skip


# ---- deliveries --------------------------------------------------------------------------------


async def _document(
    uow: ReportsUnitOfWork, master: str, account: str, report: ReportKind, period: Period,
    sections: Sequence[str], access: Access,
) -> tuple[bytes, str, str]:  # fmt: skip
    """(PDF, file name, subject) of a report to deliver."""
    if report is ReportKind.STATEMENT:
        query = StatementQuery(period_start=period.period_start, period_end=period.period_end,
                               sections=list(sections))  # type: ignore[arg-type]  # fmt: skip
        statement = await build_statement(uow, master, account, query, access=access)
        content, what = documents.statement_pdf(statement, master), "Activity statement"
    else:
        performance = await build_performance_report(uow, master, account, period, access=access)
        content, what = documents.performance_pdf(performance, master), "Performance report"
    name = f"{report.value}-{account}-{period.period_start}-{period.period_end}.pdf"
    return content, name, f"{what} {period.period_start} to {period.period_end}, account {account}"


async def _deliver(
    uow: ReportsUnitOfWork, master: str, account: str, report: ReportKind, period: Period,
    sections: Sequence[str], *, access: Access, now: datetime, requested_by: str | None,
    schedule_id: UUID | None = None, delivery_id: UUID | None = None,
) -> dict[str, Any]:  # fmt: skip
    content, name, subject = await _document(uow, master, account, report, period, sections, access)
    row = {"delivery_id": delivery_id or uuid4(), "master_account_id": master, "account_number": account,
           "report": report.value, "period_start": period.period_start, "period_end": period.period_end,
           "sections": list(sections), "schedule_id": schedule_id, "requested_by": requested_by,
           "requested_at": now, "status": "requested", "reason": None, "updated_at": now}  # fmt: skip
    if len(content) > ATTACHMENT_MAX_BYTES:
        row |= {
            "status": "failed",
            "reason": "the report is too large to email; choose a shorter period",
        }
        await uow.reports.add_delivery(row)
        return row
    await uow.reports.add_delivery(row)
    body = (f"{subject}.\n\nYour report is attached as a PDF ({name}).\n"
            f"Amounts are in USD; returns are explained at the end of the report.\n")  # fmt: skip
    await uow.publish(topics.REPORT_DELIVERIES.name, ReportDeliveryRequested(
        delivery_id=row["delivery_id"], account_number=account, report=report,
        period_start=period.period_start, period_end=period.period_end, subject=subject,
        body=body, filename=name, attachment=base64.b64encode(content), schedule_id=schedule_id,
        requested_by_user_id=requested_by), master_account_id=master)  # fmt: skip
    return row


def delivery_view(row: dict[str, Any]) -> DeliveryOut:
    return DeliveryOut(id=row["delivery_id"], account_number=row["account_number"], report=row["report"],
                       period_start=row["period_start"], period_end=row["period_end"], sections=row["sections"],
                       schedule_id=row["schedule_id"], requested_by=row["requested_by"],
                       requested_at=row["requested_at"], status=row["status"], reason=row["reason"],
                       updated_at=row["updated_at"])  # fmt: skip


async def deliver_now(
    uow: ReportsUnitOfWork, master: str, user_id: str, account: str, command: DeliveryIn, *,
    access: Access, now: datetime,
) -> DeliveryOut:  # fmt: skip
    """Email the report to the client's email of record now (through the communication
    center); the delivery is recorded at once and its outcome when it comes back."""
    allowed(access, command.report)
    return delivery_view(await _deliver(uow, master, account, command.report, command, command.sections,
                                        access=access, now=now, requested_by=user_id))  # fmt: skip


async def deliveries(uow: ReportsUnitOfWork, master: str, account: str, *, access: Access) -> DeliveryList:  # fmt: skip
    if not access.has_any(*RIGHT_OF.values()):
        raise Forbidden("this needs the activity_statement or portfolio_analyst right")
    await _reach(uow, master, account, access)
    rows = await uow.reports.deliveries(master_account_id=master, account_number=account)
    return DeliveryList(items=[delivery_view(r) for r in rows])


# ---- schedules ---------------------------------------------------------------------------------


def last_complete_period(frequency: str, today: date) -> tuple[date, date]:
    """The last whole month or quarter before ``today``."""
    months = 1 if frequency == "monthly" else 3
    first_of_current = date(today.year, (today.month - 1) // months * months + 1, 1)
    end = first_of_current - timedelta(days=1)
    start_month = (end.month - 1) // months * months + 1
    return date(end.year, start_month, 1), end


CATCH_UP_PERIODS = 12  # a schedule whose deliveries were missed (the job down) catches up on these


def periods_due(frequency: str, starts_on: date, today: date) -> list[tuple[date, date]]:
    """The whole months or quarters before ``today`` that end on or after ``starts_on``, oldest
    first, at most the last ``CATCH_UP_PERIODS``."""
    due: list[tuple[date, date]] = []
    start, end = last_complete_period(frequency, today)
    while end >= starts_on and len(due) < CATCH_UP_PERIODS:
        due.append((start, end))
        start, end = last_complete_period(frequency, start)
    return due[::-1]


def _schedule_view(row: dict[str, Any]) -> ScheduleOut:
    return ScheduleOut(id=row["schedule_id"], account_number=row["account_number"], report=row["report"],
                       frequency=row["frequency"], sections=row["sections"], starts_on=row["starts_on"],
                       created_by=row["created_by"], created_at=row["created_at"])  # fmt: skip


async def add_schedule(
    uow: ReportsUnitOfWork, master: str, user_id: str, account: str, command: ScheduleIn, *,
    access: Access, now: datetime,
) -> ScheduleOut:  # fmt: skip
    """Deliver the report every month or quarter, from the period holding today on: each
    period once, on the first day after it ends (days in the master's time zone)."""
    allowed(access, command.report)
    await _reach(uow, master, account, access)
    row = {"schedule_id": uuid4(), "master_account_id": master, "account_number": account,
           "report": command.report.value, "frequency": command.frequency, "sections": list(command.sections),
           "starts_on": await master_today(uow, master, now), "created_by": user_id, "created_at": now, "cancelled_at": None}  # fmt: skip
    await uow.reports.add_schedule(row)
    return _schedule_view(row)


async def schedules(uow: ReportsUnitOfWork, master: str, account: str, *, access: Access) -> ScheduleList:  # fmt: skip
    if not access.has_any(*RIGHT_OF.values()):
        raise Forbidden("this needs the activity_statement or portfolio_analyst right")
    await _reach(uow, master, account, access)
    rows = await uow.reports.schedules(master_account_id=master, account_number=account)
    return ScheduleList(items=[_schedule_view(r) for r in rows])


async def cancel_schedule(
    uow: ReportsUnitOfWork, master: str, account: str, schedule_id: UUID, *, access: Access,
    now: datetime,
) -> None:  # fmt: skip
    await _reach(uow, master, account, access)
    found = [r for r in await uow.reports.schedules(master_account_id=master, account_number=account)
             if r["schedule_id"] == schedule_id]  # fmt: skip
    if not found:
        raise NotFound("schedule")
    allowed(access, ReportKind(found[0]["report"]))
    await uow.reports.cancel_schedule(master_account_id=master, account_number=account,
                                      schedule_id=schedule_id, at=now)  # fmt: skip


async def deliver_scheduled(uow: ReportsUnitOfWork, *, now: datetime, limit: int = SCHEDULES_PER_PASS) -> int:  # fmt: skip
    """One pass of the schedule job: each active schedule's whole periods that hold or follow its
    first day and were not delivered yet (the last ``CATCH_UP_PERIODS`` at most, oldest first) are
    claimed (a unique row per schedule and period) and their deliveries published in this same
    transaction; returns how many."""
    todays: dict[str, date] = {}
    due = []
    for row in await uow.reports.due_schedules(limit=1000):
        master = row["master_account_id"]
        if master not in todays:
            todays[master] = await master_today(uow, master, now)
        due += [
            (row, start, end)
            for start, end in periods_due(row["frequency"], row["starts_on"], todays[master])
        ]
    done = await uow.reports.delivered_periods([row["schedule_id"] for row, _, _ in due])
    sent = 0
    for row, start, end in due:
        if (row["schedule_id"], start) in done or sent >= limit:
            continue
        delivery_id = uuid4()
        if not await uow.reports.claim_period(schedule_id=row["schedule_id"], period_start=start,
                                              delivery_id=delivery_id, at=now):  # fmt: skip
            continue  # another replica (or pass) claimed it
        try:
            await _deliver(uow, row["master_account_id"], row["account_number"], ReportKind(row["report"]),
                           Period(period_start=start, period_end=end), row["sections"], access=Access.primary(),
                           now=now, requested_by=None, schedule_id=row["schedule_id"], delivery_id=delivery_id)  # fmt: skip
        except (NotFound, Invalid) as error:  # the account is gone: recorded, not retried
            await uow.reports.add_delivery({
                "delivery_id": delivery_id, "master_account_id": row["master_account_id"],
                "account_number": row["account_number"], "report": row["report"], "period_start": start,
                "period_end": end, "sections": row["sections"], "schedule_id": row["schedule_id"],
                "requested_by": None, "requested_at": now, "status": "failed", "reason": error.message,
                "updated_at": now})  # fmt: skip
        sent += 1
    if sent:
        log.info("scheduled reports delivered", count=sent, at=now.isoformat())
    return sent


class UnitsOfWork(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ReportsUnitOfWork]: ...


async def deliver_scheduled_pass(database: UnitsOfWork, clock: Clock) -> bool:
    """One transaction of the schedule job; True when it left work behind."""
    async with database.transaction() as uow:
        return await deliver_scheduled(uow, now=clock.now()) >= SCHEDULES_PER_PASS


async def schedule_job(context: ServiceContext) -> None:
    """The background job delivering scheduled reports (reads the injected clock)."""
    seconds = float(getattr(context.settings, "report_schedule_poll_seconds", 60.0))
    await repeat("report-schedules", lambda: deliver_scheduled_pass(context.database, context.clock),
                 every=seconds)  # fmt: skip
