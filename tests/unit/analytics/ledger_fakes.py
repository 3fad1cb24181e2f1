"""In-memory repositories of analytics' ledger unit of work (``LedgerUnitOfWork``): what the
ingest, dashboard and timeline use cases reach, kept as plain Python for use-case tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from contracts.access import ClientScope
from contracts.envelope import Event
from services.analytics.domain.ledger import LedgerRow
from services.analytics.domain.master_days import MasterZone
from services.analytics.domain.timeline import RequestState, TimelineRow
from services.analytics.domain.twr import AccountDay
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork
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

    async def daily_totals(
        self, master_account_id: str, scope: ClientScope, date_from: date, date_to: date
    ) -> tuple[Decimal | None, list[tuple[date, Decimal | None, Decimal, int]]]:
        """The clients' (not the master's own account) summed values per day in the range."""
        mine = [(a, d) for (a, _), (m, d) in self.rows.items() if m == master_account_id
                and a != master_account_id and (scope.all_clients or a in scope.account_numbers)]  # fmt: skip
        base = sum((max((d for b, d in mine if b == a and d.day < date_from and d.nav is not None),
                        key=lambda d: d.day).nav or Decimal(0)
                    for a in {a for a, d in mine if d.day < date_from and d.nav is not None}),
                   Decimal(0))  # fmt: skip
        days: dict[date, list[AccountDay]] = {}
        for _, d in mine:
            if date_from <= d.day <= date_to:
                days.setdefault(d.day, []).append(d)
        totals = []
        for day in sorted(days):
            navs = [d.nav for d in days[day] if d.nav is not None]
            flows = sum((d.flow for d in days[day]), Decimal(0))
            totals.append((day, sum(navs, Decimal(0)) if navs else None, flows, len(navs)))
        return (base or None), totals

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
    pending_requests: bool


@dataclass
class InMemoryTimeline:
    """Timeline rows; the activity panels read them and the Full Service requests as kept."""

    requests: InMemoryFullServiceRequests
    rows: dict[UUID, TimelineRow] = field(default_factory=dict)
    calls: list[ActivityCall] = field(default_factory=list)

    async def add(self, rows: Sequence[TimelineRow]) -> None:
        for row in rows:
            self.rows.setdefault(row.entry_id, row)

    async def activity(
        self, master_account_id: str, scope: ClientScope, *, item_types: Sequence[str],
        since: datetime, account: str | None, sort: str, descending: bool, limit: int,
        offset: int, pending_requests: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        self.calls.append(ActivityCall(list(item_types), since, account, pending_requests))
        entries = [
            {**asdict(r), "account_title": None}
            for r in self.rows.values()
            if r.occurred_at >= since
        ]
        requests = [
            {**asdict(r), "occurred_at": r.changed_at, "account_title": None}
            for r in self.requests.kept.values()
            if r.changed_at >= since or (pending_requests and r.pending)
        ]
        found = [
            row for row in entries + requests
            if row["master_account_id"] == master_account_id and row["item_type"] in item_types
            and (scope.all_clients or row["account_number"] in scope.account_numbers)
            and (not account or account.strip() in (row["account_number"] or ""))
        ]  # fmt: skip
        found.sort(key=lambda r: r[sort] or "", reverse=descending)
        return found[offset : offset + limit], len(found)


class PublishedEvents:
    """A unit of work's ``publish``, recording each event it is given."""

    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(
        self, topic: str, event: Event, *, master_account_id: str,
        correlation_id: str | None = None, caused_by: Delivery[Any] | None = None,
    ) -> None:  # fmt: skip
        self.published.append(event)


class FakeLedgerUnitOfWork(PublishedEvents):
    def __init__(self) -> None:
        super().__init__()
        self.account_days = InMemoryAccountDays()
        self.account_facts = InMemoryAccountFacts()
        self.ledger = InMemoryLedger()
        self.position_reports = InMemoryPositionReports()
        self.full_service_requests = InMemoryFullServiceRequests()
        self.timeline = InMemoryTimeline(self.full_service_requests)
        self.master_zones = InMemoryMasterZones()
        self.corporate_actions = InMemoryCorporateActions()


def ledger_uow() -> tuple[FakeLedgerUnitOfWork, LedgerUnitOfWork]:
    """A fake unit of work, and the same object as the use cases' protocol names it (its
    repositories are duck-typed doubles of the SQL ones)."""
    fake = FakeLedgerUnitOfWork()
    return fake, cast(LedgerUnitOfWork, fake)


def money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


class InMemoryMasterZones:
    def __init__(self, zones: Mapping[str, str] | None = None) -> None:
        self.zones: dict[str, tuple[str, datetime]] = {
            master: (zone, datetime.min.replace(tzinfo=UTC))
            for master, zone in (zones or {}).items()
        }

    async def upsert(self, zones: Sequence[MasterZone]) -> None:
        assert len({z.master_account_id for z in zones}) == len(zones), "one per master"
        for zone in zones:
            kept = self.zones.get(zone.master_account_id)
            if kept is None or kept[1] <= zone.changed_at:
                self.zones[zone.master_account_id] = (zone.time_zone, zone.changed_at)

    async def zone_of(self, master_account_id: str) -> str | None:
        kept = self.zones.get(master_account_id)
        return kept[0] if kept else None


class InMemoryFullServiceRequests:
    def __init__(self) -> None:
        self.kept: dict[UUID, RequestState] = {}

    async def upsert(self, states: Sequence[RequestState]) -> None:
        assert len({s.request_id for s in states}) == len(states), "one per request"
        for state in states:
            kept = self.kept.get(state.request_id)
            if kept is None or kept.version < state.version:
                self.kept[state.request_id] = state


class InMemoryCorporateActions:
    def __init__(self) -> None:
        self.actions: dict[tuple[str, str], dict[str, Any]] = {}
        self.chosen: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.upcoming_asked: list[date] = []

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            self.actions[(row["master_account_id"], row["action_id"])] = dict(row)

    async def upcoming(
        self, master_account_id: str, today: date, limit: int
    ) -> list[dict[str, Any]]:
        self.upcoming_asked.append(today)
        found = [a for (m, _), a in self.actions.items() if m == master_account_id
                 and a["ex_date"] >= today]  # fmt: skip
        return sorted(found, key=lambda a: (a["ex_date"], a["action_id"]))[:limit]

    async def get(self, master_account_id: str, action_id: str) -> dict[str, Any] | None:
        return self.actions.get((master_account_id, action_id))

    async def elections(
        self, master_account_id: str, action_ids: Sequence[str]
    ) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for (master, action, account), row in self.chosen.items():
            if master == master_account_id and action in action_ids:
                found.setdefault(action, {})[account] = row["choice"]
        return found

    async def elect(self, row: Mapping[str, Any]) -> None:
        key = (row["master_account_id"], row["action_id"], row["account_number"])
        self.chosen[key] = dict(row)

    async def visible_accounts(self, accounts: Sequence[str], scope: ClientScope) -> set[str]:
        return {a for a in accounts if scope.all_clients or a in scope.account_numbers}
