"""Use cases of the transaction history (A2) and the client timeline (X6)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from contracts.access import Access, Right
from contracts.api.analytics_history import (
    HISTORY_DAYS,
    TimelineCategory,
    TimelineEntry,
    TimelinePage,
    TimelineQuery,
    TransactionPage,
    TransactionQuery,
    TransactionType,
    TransactionView,
)
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork
from services.runtime.errors import NotFound

CSV_COLUMNS = ["booked_on", "account_number", "account_title", "type", "transaction_id",
               "amount", "currency", "method", "status", "symbol", "quantity",
               "counterparty_account"]  # fmt: skip
CSV_ROWS_MAX = 50_000


def history_range(query: TransactionQuery, today: date) -> tuple[date, date]:
    """The query's dates, kept within the last 90 days (an earlier start is moved up)."""
    earliest = today - timedelta(days=HISTORY_DAYS)
    date_to = min(query.date_to or today, today)
    date_from = max(query.date_from or earliest, earliest)
    return date_from, max(date_to, date_from)


def _view(row: dict[str, Any]) -> TransactionView:
    return TransactionView(
        transaction_id=row["transaction_id"], account_number=row["account_number"],
        account_title=row["account_title"], type=TransactionType(row["kind"]),
        booked_on=row["booked_on"], amount=row["amount"], currency=row["currency"],
        method=row["method"], status=row["status"], symbol=row["symbol"],
        quantity=row["quantity"], counterparty_account=row["counterparty_account"],
    )  # fmt: skip


async def transactions(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: TransactionQuery,
    *, today: date,
) -> TransactionPage:  # fmt: skip
    date_from, date_to = history_range(query, today)
    rows, total, methods, statuses = await uow.ledger.history(
        master_account_id, access.scope, query, date_from=date_from, date_to=date_to
    )
    return TransactionPage(
        items=[_view(r) for r in rows], total=total, page=query.page, page_size=query.page_size,
        date_from=date_from, date_to=date_to, methods=methods, statuses=statuses,
    )  # fmt: skip


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a cell a spreadsheet would run as a formula is kept as text
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def transactions_csv(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, query: TransactionQuery,
    *, today: date,
) -> str:  # fmt: skip
    """Every transaction the filters find (not one page), as CSV."""
    date_from, date_to = history_range(query, today)
    rows, _, _, _ = await uow.ledger.history(
        master_account_id, access.scope, query.model_copy(update={"page_size": CSV_ROWS_MAX}),
        date_from=date_from, date_to=date_to, paged=False,
    )  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows[:CSV_ROWS_MAX]:
        view = _view(row).model_dump(mode="json")
        writer.writerow([_cell(view[c]) for c in CSV_COLUMNS])
    return out.getvalue()


CRM_ONLY = (TimelineCategory.PROFILE, TimelineCategory.INVITATION)
"""What the timeline of a client shows a user without the Account Information right."""


async def contact_timeline(
    uow: LedgerUnitOfWork, master_account_id: str, access: Access, contact_id: UUID,
    query: TimelineQuery,
) -> TimelinePage:  # fmt: skip
    """One contact's timeline across every service, newest first; a contact out of the
    caller's reach is not found."""
    visible, account_number = await uow.timeline.contact_account(
        master_account_id, contact_id, access.scope
    )
    if not visible:
        raise NotFound("no such contact")
    categories = [c.value for c in query.category]
    if account_number is not None and not access.has(Right.ACCOUNT_INFORMATION):
        allowed = [c.value for c in CRM_ONLY]
        categories = [c for c in categories if c in allowed] or allowed
    since = datetime.combine(query.date_from, time(), UTC) if query.date_from else None
    until = (
        datetime.combine(query.date_to + timedelta(days=1), time(), UTC) if query.date_to else None
    )
    rows, total = await uow.timeline.of_contact(
        master_account_id, contact_id, account_number, categories=categories, text=query.text,
        since=since, until=until, limit=query.page_size,
        offset=(query.page - 1) * query.page_size,
    )  # fmt: skip
    return TimelinePage(
        items=[TimelineEntry(occurred_at=r["occurred_at"], category=TimelineCategory(r["category"]),
                             kind=r["kind"], summary=r["summary"],
                             account_number=r["account_number"]) for r in rows],
        total=total, page=query.page, page_size=query.page_size,
    )  # fmt: skip
