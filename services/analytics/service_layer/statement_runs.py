"""Statements of a whole group or segment (A10), built in the background: the request resolves
the accounts within the caller's reach and answers at once; the job builds a few statements per
transaction (``done`` of ``total`` is the progress the page polls), then one file: a zip of one
PDF per account or one combined PDF. A run is seen and downloaded only by the user who asked."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

import structlog

from contracts.access import Access, ClientScope
from contracts.api.reports import (
    StatementOut,
    StatementQuery,
    StatementRunIn,
    StatementRunList,
    StatementRunOut,
)
from contracts.api.tools import AccountQuery, CriterionIn
from contracts.reports import ReportKind
from services.analytics.domain import segments as segment_rules
from services.analytics.domain.statements import check_period
from services.analytics.service_layer import report_documents as documents
from services.analytics.service_layer.reports import ReportsUnitOfWork, allowed, build_statement
from services.analytics.store.segments import SegmentFactsRepository, SegmentRepository
from services.runtime.clock import Clock
from services.runtime.errors import NotFound
from services.runtime.jobs import repeat
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

STATEMENTS_PER_PASS = 10
ACCOUNTS_MAX = 5000


class RunsUnitOfWork(ReportsUnitOfWork, Protocol):
    @property
    def segments(self) -> SegmentRepository: ...

    @property
    def segment_facts(self) -> SegmentFactsRepository: ...


def _view(row: dict[str, Any]) -> StatementRunOut:
    return StatementRunOut(
        id=row["run_id"], target_kind=row["target_kind"], target_id=row["target_id"],
        target_name=row["target_name"], period_start=row["period_start"], period_end=row["period_end"],
        sections=row["sections"], output=row["output"], total=row["total"], done=row["done"],
        status=row["status"], created_at=row["created_at"], finished_at=row["finished_at"],
        reason=row["reason"], result_name=row["result_name"],
    )  # fmt: skip


async def _segment_accounts(
    uow: RunsUnitOfWork, master: str, segment_id: UUID, scope: ClientScope, today: date
) -> tuple[str, list[str]] | None:
    row = await uow.segments.get(master_account_id=master, segment_id=segment_id)
    if row is None:
        return None
    query = AccountQuery(criteria=[CriterionIn(**c) for c in row["criteria"]], match=row["match"])
    criteria = segment_rules.check(
        [segment_rules.Criterion(c.field, c.op, c.value) for c in query.criteria]
    )
    _, members = await uow.segment_facts.query(
        master_account_id=master, tests=[segment_rules.predicates(c, today) for c in criteria],
        match=query.match, scope=scope, limit=ACCOUNTS_MAX)  # fmt: skip
    return str(row["name"]), [m["account_number"] for m in members]


async def request_run(
    uow: RunsUnitOfWork, master: str, user_id: str, command: StatementRunIn, *, access: Access,
    now: datetime,
) -> StatementRunOut:  # fmt: skip
    """Queue the statements of every account of the group or segment within the caller's
    scope (as of now); a group or segment of another master is not found."""
    allowed(access, ReportKind.STATEMENT)
    check_period(command.period_start, command.period_end)
    if command.target_kind == "group":
        accounts = await uow.reports.group_accounts(master_account_id=master, group_id=command.target_id,
                                                    scope=access.scope)  # fmt: skip
        if accounts is None:
            raise NotFound("group")
        name = command.target_name or "Group"
    else:
        found = await _segment_accounts(uow, master, command.target_id, access.scope, now.date())
        if found is None:
            raise NotFound("segment")
        name, accounts = found
    accounts = list(dict.fromkeys(accounts))[:ACCOUNTS_MAX]
    row = {"run_id": uuid4(), "master_account_id": master, "requested_by": user_id,
           "target_kind": command.target_kind, "target_id": command.target_id, "target_name": name,
           "period_start": command.period_start, "period_end": command.period_end,
           "sections": list(command.sections), "output": command.output, "accounts": accounts,
           "total": len(accounts), "done": 0, "status": "queued", "created_at": now,
           "finished_at": None, "result": None, "result_name": None, "reason": None}  # fmt: skip
    await uow.reports.add_run(row)
    return _view(row)


async def runs(
    uow: RunsUnitOfWork, master: str, user_id: str, *, access: Access
) -> StatementRunList:
    allowed(access, ReportKind.STATEMENT)
    return StatementRunList(items=[_view(r) for r in await uow.reports.runs(master_account_id=master, requested_by=user_id)])  # fmt: skip


async def run(uow: RunsUnitOfWork, master: str, user_id: str, run_id: UUID, *, access: Access) -> StatementRunOut:  # fmt: skip
    allowed(access, ReportKind.STATEMENT)
    found = await uow.reports.runs(master_account_id=master, requested_by=user_id, run_id=run_id)
    if not found:
        raise NotFound("statement run")
    return _view(found[0])


async def result(uow: RunsUnitOfWork, master: str, user_id: str, run_id: UUID, *, access: Access) -> tuple[bytes, str]:  # fmt: skip
    allowed(access, ReportKind.STATEMENT)
    found = await uow.reports.result(master_account_id=master, requested_by=user_id, run_id=run_id)
    if found is None:
        raise NotFound("statement run result", "no such finished statement run")
    return found


async def work_on_runs(uow: RunsUnitOfWork, *, now: datetime, per_pass: int = STATEMENTS_PER_PASS) -> bool:  # fmt: skip
    """One step of the oldest unfinished run (locked, so replicas share runs): up to
    ``per_pass`` more statements, or the file once all are built. True when work is left."""
    row = await uow.reports.claim_run()
    if row is None:
        return False
    accounts: list[str] = row["accounts"]
    done: int = row["done"]
    period = StatementQuery(period_start=row["period_start"], period_end=row["period_end"],
                            sections=row["sections"])  # fmt: skip
    scope = Access.primary()  # the accounts were resolved within the caller's scope
    if done < len(accounts):
        built = {}
        for account in accounts[done : done + per_pass]:
            try:
                statement = await build_statement(
                    uow, row["master_account_id"], account, period, access=scope
                )
            except NotFound:
                continue  # no longer the master's: left out
            built[account] = statement.model_dump(mode="json")
        await uow.reports.add_items(row["run_id"], built)
        done = min(len(accounts), done + per_pass)
        await uow.reports.update_run(row["run_id"], done=done, status="running")
        return True
    views = [StatementOut.model_validate(item) for item in await uow.reports.items(row["run_id"])]
    master = row["master_account_id"]
    stem = f"statements-{row['target_kind']}-{row['period_start']}-{row['period_end']}"
    if row["output"] == "combined":
        content, name = documents.combined_pdf(views, master), f"{stem}.pdf"
    else:
        content, name = documents.zip_of(views, master), f"{stem}.zip"
    await uow.reports.update_run(
        row["run_id"], status="done", finished_at=now, result=content, result_name=name
    )
    log.info("statement run done", run_id=str(row["run_id"]), statements=len(views))
    return True


class UnitsOfWork(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[RunsUnitOfWork]: ...


async def work_pass(database: UnitsOfWork, clock: Clock) -> bool:
    async with database.transaction() as uow:
        return await work_on_runs(uow, now=clock.now())


async def runs_job(context: ServiceContext) -> None:
    """The background job building group and segment statements, a step per transaction."""
    seconds = float(getattr(context.settings, "statement_run_poll_seconds", 2.0))
    await repeat(
        "statement-runs", lambda: work_pass(context.database, context.clock), every=seconds
    )
