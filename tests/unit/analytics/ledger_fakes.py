"""In-memory repositories of analytics' ledger unit of work (``LedgerUnitOfWork``): what the
ingest, dashboard and timeline use cases reach, kept as plain Python for use-case tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.access import ClientScope
from contracts.envelope import Event
from services.analytics.domain.ledger import LedgerRow
from services.analytics.domain.timeline import TimelineRow
from services.analytics.domain.twr import AccountDay
from services.runtime.consumers import Delivery


class InMemoryAccountDays:
    """``account_days`` as a dict: (account, day) -> (master, the day)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date], tuple[str, AccountDay]] = {}
        self.locked = 0
        self.writes: list[int] = []  # how many days each statement wrote

    async def lock_for_linking(self) -> None:
        self.locked += 1

    async def suffixes(
        self, starts: Mapping[str, date]
    ) -> dict[str, tuple[AccountDay | None, list[AccountDay]]]:
        assert self.locked, "the days are read under the linking lock"
        found: dict[str, tuple[AccountDay | None, list[AccountDay]]] = {}
        for account, start in starts.items():
            mine = sorted((d for (a, _), (_, d) in self.rows.items() if a == account),
                          key=lambda d: d.day)  # fmt: skip
            before = [d for d in mine if d.day < start and d.nav is not None]
            base = before[-1] if before else None
            found[account] = (base, [d for d in mine if base is None or d.day > base.day])
        return found

    async def write(self, rows: Sequence[tuple[str, str, AccountDay]]) -> None:
        assert len({(a, d.day) for a, _, d in rows}) == len(rows), "each day written once"
        self.writes.append(len(rows))
        for account, master, day in rows:
            kept = self.rows.get((account, day.day))
            self.rows[(account, day.day)] = (kept[0] if kept else master, day)

    def days(self, account: str) -> list[AccountDay]:
        return sorted((d for (a, _), (_, d) in self.rows.items() if a == account),
                      key=lambda d: d.day)  # fmt: skip


class InMemoryAccountFacts:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], datetime] = {}

    async def ensure(self, accounts: Sequence[tuple[str, str, Any]]) -> None:
        for master, account, at in accounts:
            self.seen.setdefault((master, account), at)


class InMemoryLedger:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], LedgerRow] = {}

    async def add(self, rows: Sequence[LedgerRow]) -> list[LedgerRow]:
        added = [r for r in rows if (r.account_number, r.transaction_id) not in self.rows]
        self.rows.update({(r.account_number, r.transaction_id): r for r in added})
        return added


class InMemoryPositionReports:
    def __init__(self) -> None:
        self.reports: list[Mapping[str, Any]] = []

    async def upsert(self, reports: Sequence[Mapping[str, Any]]) -> None:
        self.reports += reports


@dataclass
class ActivityCall:
    """The arguments one ``timeline.activity`` query was asked with."""

    item_types: list[str]
    since: datetime
    account: str | None


@dataclass
class InMemoryTimeline:
    rows: dict[UUID, TimelineRow] = field(default_factory=dict)
    calls: list[ActivityCall] = field(default_factory=list)

    async def add(self, rows: Sequence[TimelineRow]) -> None:
        for row in rows:
            self.rows.setdefault(row.entry_id, row)

    async def activity(
        self, master_account_id: str, scope: ClientScope, *, item_types: Sequence[str],
        since: datetime, account: str | None, sort: str, descending: bool, limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        self.calls.append(ActivityCall(list(item_types), since, account))
        found = [
            {**asdict(r), "account_title": None}
            for r in self.rows.values()
            if r.master_account_id == master_account_id and r.item_type in item_types
            and r.occurred_at >= since
            and (scope.all_clients or r.account_number in scope.account_numbers)
            and (not account or (account.strip() in (r.account_number or "")))
        ]  # fmt: skip
        found.sort(key=lambda r: r[sort] or "", reverse=descending)
        return found[offset : offset + limit], len(found)


class FakeLedgerUnitOfWork:
    def __init__(self) -> None:
        self.account_days = InMemoryAccountDays()
        self.account_facts = InMemoryAccountFacts()
        self.ledger = InMemoryLedger()
        self.position_reports = InMemoryPositionReports()
        self.timeline = InMemoryTimeline()
        self.published: list[Event] = []

    async def publish(
        self, topic: str, event: Event, *, master_account_id: str,
        correlation_id: str | None = None, caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        self.published.append(event)


def money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))
