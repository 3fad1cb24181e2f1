"""The account ledger, daily values and positions reports: kept with set-based statements per
batch, and the queries over them (history, AUM, TWR, symbol, transaction count)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Numeric,
    Text,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.api.analytics_history import TransactionQuery
from services.analytics.domain.ledger import COUNTED_KINDS, HISTORY_KINDS, LedgerRow
from services.analytics.domain.twr import AccountDay, PeriodReturn
from services.analytics.store.scope import accounts_within, visible_accounts
from services.analytics.store.tables import account_days, account_facts, ledger, position_reports

_CHUNK = 1000


def _chunks(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)]


class AccountFactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, facts: Sequence[Mapping[str, Any]]) -> None:
        """Each account's newest title, type and stage (one mapping per account). Rows are
        written in key order, as every writer of the table does, so two consumers' batches of
        the same accounts wait for each other instead of deadlocking."""
        ordered = sorted(facts, key=lambda f: (f["master_account_id"], f["account_number"]))
        for chunk in _chunks(ordered):
            statement = insert(account_facts).values(list(chunk))
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        account_facts.c.master_account_id,
                        account_facts.c.account_number,
                    ],
                    set_={
                        name: func.coalesce(statement.excluded[name], account_facts.c[name])
                        for name in ("title", "account_type", "stage")
                    }
                    | {
                        "updated_at": func.greatest(
                            statement.excluded.updated_at, account_facts.c.updated_at
                        )
                    },
                )
            )

    async def ensure(self, accounts: Sequence[tuple[str, str, Any]]) -> None:
        """(master, account, first seen): a row for each account not known yet (no rewrite)."""
        if accounts:
            accounts = sorted(accounts, key=lambda a: (a[0], a[1]))  # key order, as in upsert()
            await self._session.execute(_ENSURE_ACCOUNTS, {
                "masters": [m for m, _, _ in accounts], "accounts": [a for _, a, _ in accounts],
                "seen": [at for _, _, at in accounts],
            })  # fmt: skip

    async def titles(self, master_account_id: str, accounts: Sequence[str]) -> dict[str, str]:
        rows = await self._session.execute(
            select(account_facts.c.account_number, account_facts.c.title).where(
                account_facts.c.master_account_id == master_account_id,
                account_facts.c.account_number.in_(list(accounts)),
            )
        )
        return {row[0]: row[1] for row in rows if row[1]}

    async def of_types(
        self, master_account_id: str, types: Sequence[str], scope: ClientScope
    ) -> list[tuple[str, str | None, str]]:
        rows = await self._session.execute(
            select(
                account_facts.c.account_number, account_facts.c.title, account_facts.c.account_type
            )
            .where(
                account_facts.c.master_account_id == master_account_id,
                account_facts.c.account_type.in_(list(types)),
                or_(account_facts.c.stage.is_(None), account_facts.c.stage != "closed"),
                accounts_within(account_facts.c.account_number, scope),
            )
            .order_by(account_facts.c.account_number)
        )
        return [(row[0], row[1], row[2]) for row in rows]


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[LedgerRow]) -> list[LedgerRow]:
        """Record the transactions in one statement; returns those new to the ledger, each once
        (a repeat, in the ledger or earlier in ``rows``, adds nothing)."""
        if not rows:
            return []
        unique = list({(r.account_number, r.transaction_id): r for r in reversed(rows)}.values())
        unique.reverse()  # the first of each transaction, in the given order
        result = await self._session.execute(
            _ADD_LEDGER,
            {name: [getattr(r, field) for r in unique] for name, field in _LEDGER_ARRAYS.items()},
        )
        added = {(row[0], row[1]) for row in result}
        return [row for row in unique if (row.account_number, row.transaction_id) in added]

    def _history_filter(
        self,
        master_account_id: str,
        scope: ClientScope,
        query: TransactionQuery,
        date_from: date,
        date_to: date,
    ) -> list[Any]:
        conditions: list[Any] = [
            ledger.c.master_account_id == master_account_id,
            ledger.c.booked_on >= date_from,
            ledger.c.booked_on <= date_to,
            ledger.c.kind.in_(sorted(query.type or HISTORY_KINDS)),
            accounts_within(ledger.c.account_number, scope),
        ]
        if query.method:
            conditions.append(ledger.c.method == query.method)
        if query.status:
            conditions.append(ledger.c.status == query.status)
        if query.text and query.text.strip():
            pattern = (
                "%"
                + query.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            conditions.append(
                or_(
                    ledger.c.account_number.ilike(pattern),
                    ledger.c.transaction_id.ilike(pattern),
                    ledger.c.symbol.ilike(pattern),
                    account_facts.c.title.ilike(pattern),
                )
            )
        return conditions

    async def history(
        self,
        master_account_id: str,
        scope: ClientScope,
        query: TransactionQuery,
        *,
        date_from: date,
        date_to: date,
        paged: bool = True,
    ) -> tuple[list[dict[str, Any]], int, list[str], list[str]]:
        joined = ledger.outerjoin(
            account_facts,
            and_(
                account_facts.c.master_account_id == ledger.c.master_account_id,
                account_facts.c.account_number == ledger.c.account_number,
            ),
        )
        conditions = self._history_filter(master_account_id, scope, query, date_from, date_to)
        total = await self._session.scalar(
            select(func.count()).select_from(joined).where(*conditions)
        )
        sort = {
            "booked_on": ledger.c.booked_on,
            "account_number": ledger.c.account_number,
            "amount": ledger.c.amount,
            "type": ledger.c.kind,
            "status": ledger.c.status,
        }[query.sort]
        order = sort.desc() if query.order == "desc" else sort.asc()
        statement = (
            select(ledger, account_facts.c.title.label("account_title"))
            .select_from(joined)
            .where(*conditions)
            .order_by(order, ledger.c.account_number, ledger.c.transaction_id)
        )
        if paged:
            statement = statement.limit(query.page_size).offset((query.page - 1) * query.page_size)
        rows = [dict(row._mapping) for row in await self._session.execute(statement)]
        base = [
            ledger.c.master_account_id == master_account_id,
            accounts_within(ledger.c.account_number, scope),
            ledger.c.kind.in_(sorted(HISTORY_KINDS)),
            ledger.c.booked_on >= date_from,
        ]
        methods = await self._session.scalars(
            select(ledger.c.method).where(*base, ledger.c.method.is_not(None)).distinct()
        )
        statuses = await self._session.scalars(select(ledger.c.status).where(*base).distinct())
        return rows, int(total or 0), sorted(methods), sorted(statuses)

    async def symbol_activity(
        self,
        master_account_id: str,
        scope: ClientScope,
        symbol: str,
        date_from: date,
        date_to: date,
    ) -> list[tuple[str, str | None, int, bool]]:
        """Accounts that traded ``symbol`` in the period or held it at some point of it."""
        statement = text(
            """
            WITH traded AS (
              SELECT account_number, count(*) AS trades FROM ledger
              WHERE master_account_id = :master AND upper(symbol) = :symbol
                AND booked_on BETWEEN :date_from AND :date_to
                AND kind IN ('trade', 'position_transfer_in', 'position_transfer_out')
              GROUP BY account_number),
            reports AS (  -- the report in force at the start, and every one during the period
              SELECT DISTINCT ON (account_number) account_number, symbols FROM position_reports
              WHERE master_account_id = :master AND as_of <= :date_from
              ORDER BY account_number, as_of DESC),
            held AS (
              SELECT account_number FROM reports WHERE :symbol = ANY(symbols)
              UNION
              SELECT account_number FROM position_reports
              WHERE master_account_id = :master AND as_of > :date_from AND as_of <= :date_to
                AND :symbol = ANY(symbols))
            SELECT a.account_number, f.title, coalesce(t.trades, 0), h.account_number IS NOT NULL
            FROM (SELECT account_number FROM traded UNION SELECT account_number FROM held) a
            LEFT JOIN traded t USING (account_number)
            LEFT JOIN held h USING (account_number)
            LEFT JOIN account_facts f
              ON f.master_account_id = :master AND f.account_number = a.account_number
            ORDER BY a.account_number
            """
        ).bindparams(bindparam("date_from", type_=Date()), bindparam("date_to", type_=Date()))
        rows = (
            await self._session.execute(
                statement,
                {
                    "master": master_account_id,
                    "symbol": symbol.upper(),
                    "date_from": date_from,
                    "date_to": date_to,
                },
            )
        ).all()
        visible = await self._visible(scope, [row[0] for row in rows])
        return [(r[0], r[1], int(r[2]), bool(r[3])) for r in rows if r[0] in visible]

    async def _visible(self, scope: ClientScope, accounts: list[str]) -> set[str]:
        return await visible_accounts(self._session, accounts, scope)

    async def transaction_counts(
        self,
        master_account_id: str,
        scope: ClientScope,
        date_from: date,
        date_to: date,
        threshold: int,
    ) -> list[tuple[str, str | None, int, int, int]]:
        """Accounts with more than ``threshold`` trades, dividends and position transfers."""
        trades = func.count().filter(ledger.c.kind == "trade")
        dividends = func.count().filter(ledger.c.kind == "dividend")
        transfers = func.count().filter(ledger.c.kind.like("position_transfer_%"))
        rows = await self._session.execute(
            select(
                ledger.c.account_number,
                func.max(account_facts.c.title),
                trades,
                dividends,
                transfers,
            )
            .select_from(
                ledger.outerjoin(
                    account_facts,
                    and_(
                        account_facts.c.master_account_id == ledger.c.master_account_id,
                        account_facts.c.account_number == ledger.c.account_number,
                    ),
                )
            )
            .where(
                ledger.c.master_account_id == master_account_id,
                ledger.c.kind.in_(sorted(COUNTED_KINDS)),
                ledger.c.booked_on >= date_from,
                ledger.c.booked_on <= date_to,
                accounts_within(ledger.c.account_number, scope),
            )
            .group_by(ledger.c.account_number)
            .having(func.count() > threshold)
            .order_by(func.count().desc(), ledger.c.account_number)
        )
        return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def withdrawn(self, master_account_id: str, year: int) -> dict[str, Decimal]:
        rows = await self._session.execute(
            select(ledger.c.account_number, func.sum(ledger.c.amount))
            .where(
                ledger.c.master_account_id == master_account_id,
                ledger.c.kind == "withdrawal",
                ledger.c.status == "completed",
                func.extract("year", ledger.c.booked_on) == year,
            )
            .group_by(ledger.c.account_number)
        )
        return {row[0]: row[1] for row in rows}


class PositionReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, reports: Sequence[Mapping[str, Any]]) -> None:
        for chunk in _chunks(reports):
            statement = insert(position_reports).values(list(chunk))
            await self._session.execute(
                statement.on_conflict_do_update(
                    index_elements=[position_reports.c.account_number, position_reports.c.as_of],
                    set_={"symbols": statement.excluded.symbols},
                )
            )


# Hot paths (a value per account and day, a row per transaction): arrays, not thousands of bind
# parameters to compile.
_ADD_LEDGER = text(
    """
    INSERT INTO ledger (account_number, transaction_id, master_account_id, kind, booked_on, amount,
                        currency, method, status, symbol, quantity, counterparty_account, flow)
    SELECT * FROM unnest(
      CAST(:accounts AS varchar[]), CAST(:ids AS text[]), CAST(:masters AS varchar[]),
      CAST(:kinds AS varchar[]), CAST(:booked AS date[]), CAST(:amounts AS numeric[]),
      CAST(:currencies AS varchar[]), CAST(:methods AS text[]), CAST(:statuses AS text[]),
      CAST(:symbols AS text[]), CAST(:quantities AS numeric[]), CAST(:counterparties AS varchar[]),
      CAST(:flows AS numeric[]))
    ON CONFLICT DO NOTHING
    RETURNING account_number, transaction_id
    """
)
_LEDGER_ARRAYS = {
    "accounts": "account_number", "ids": "transaction_id", "masters": "master_account_id",
    "kinds": "kind", "booked": "booked_on", "amounts": "amount", "currencies": "currency",
    "methods": "method", "statuses": "status", "symbols": "symbol", "quantities": "quantity",
    "counterparties": "counterparty_account", "flows": "flow",
}  # fmt: skip
_ENSURE_ACCOUNTS = text(
    """
    INSERT INTO account_facts (master_account_id, account_number, updated_at)
    SELECT * FROM unnest(CAST(:masters AS varchar[]), CAST(:accounts AS varchar[]),
                         CAST(:seen AS timestamptz[]))
    ON CONFLICT DO NOTHING
    """
)
_ADD_FLOWS = text(
    """
    INSERT INTO account_days (account_number, day, master_account_id, flow)
    SELECT * FROM unnest(CAST(:accounts AS varchar[]), CAST(:days AS date[]),
                         CAST(:masters AS varchar[]), CAST(:amounts AS numeric[]))
    ON CONFLICT (account_number, day) DO UPDATE SET flow = account_days.flow + excluded.flow
    """
)
_SET_VALUES = text(
    """
    INSERT INTO account_days (account_number, day, master_account_id, nav)
    SELECT * FROM unnest(CAST(:accounts AS varchar[]), CAST(:days AS date[]),
                         CAST(:masters AS varchar[]), CAST(:amounts AS numeric[]))
    ON CONFLICT (account_number, day) DO UPDATE SET nav = excluded.nav
    """
)


def _day_arrays(rows: Mapping[tuple[str, date], tuple[str, Decimal]]) -> dict[str, list[Any]]:
    return {
        "accounts": [a for a, _ in rows], "days": [d for _, d in rows],
        "masters": [m for m, _ in rows.values()], "amounts": [v for _, v in rows.values()],
    }  # fmt: skip


_NO_JIT = text("SET LOCAL jit = off")
_WRITE_DAYS = text(
    """
    INSERT INTO account_days (account_number, day, master_account_id, nav, flow, cum_log)
    SELECT * FROM unnest(CAST(:accounts AS varchar[]), CAST(:days AS date[]),
                         CAST(:masters AS varchar[]), CAST(:navs AS numeric[]),
                         CAST(:flows AS numeric[]), CAST(:cums AS double precision[]))
    ON CONFLICT (account_number, day) DO UPDATE
    SET nav = excluded.nav, flow = excluded.flow, cum_log = excluded.cum_log
    """
)
GROWTH_LOCK = (0x0A4A, 0x7477)
"""The advisory lock (two int4 keys) every writer of the running log-growth holds from before it
reads ``account_days`` until it commits."""
_LOCK_GROWTH = text("SELECT pg_advisory_xact_lock(:class_id, :object_id)")
_SUFFIXES = text(
    """
    WITH s(account_number, day) AS (
      SELECT * FROM unnest(CAST(:accounts AS varchar[]), CAST(:days AS date[])))
    SELECT s.account_number, x.day, x.nav, x.flow, x.cum_log, x.is_base
    FROM s
    LEFT JOIN LATERAL (
      SELECT d.day, d.nav, d.flow, d.cum_log FROM account_days d
      WHERE d.account_number = s.account_number AND d.day < s.day AND d.nav IS NOT NULL
      ORDER BY d.day DESC LIMIT 1) b ON true
    CROSS JOIN LATERAL (  -- per account, through its (account, day) index: never a table scan
      SELECT b.day, b.nav, b.flow, b.cum_log, true AS is_base WHERE b.day IS NOT NULL
      UNION ALL
      SELECT d.day, d.nav, d.flow, d.cum_log, false FROM account_days d
      WHERE d.account_number = s.account_number AND d.day > coalesce(b.day, '-infinity'::date)
    ) x
    ORDER BY 1, 2
    """
)


def _boundary(master_account_id: str, day: date) -> Any:
    """The last day on or before ``day`` that any of the master's clients reported a value."""
    return (
        select(func.max(account_days.c.day)).where(
            account_days.c.master_account_id == master_account_id,
            account_days.c.account_number != master_account_id,  # its clients, not its own
            account_days.c.nav.is_not(None),
            account_days.c.day <= day,
        )
    ).scalar_subquery()


def _slice(master_account_id: str, boundary: Any, part: int) -> Any:
    """The master's clients' values on ``boundary`` (one range of the (master, day) index)."""
    return select(
        account_days.c.account_number, literal(None, Text()).label("title"),
        literal(part).label("part"), account_days.c.day, account_days.c.nav,
        account_days.c.cum_log,
    ).where(
        account_days.c.master_account_id == master_account_id,
        account_days.c.account_number != master_account_id,
        account_days.c.nav.is_not(None),
        account_days.c.day == boundary,
    )  # fmt: skip


def _last_before(account: Any, master_account_id: str, boundary: Any, gate: Any, name: str) -> Any:
    """An account's last reported value before ``boundary``, looked up only when ``gate`` (it
    has no value on the boundary day: it paused or stopped reporting)."""
    one = account_days.alias(name)
    return (
        select(one.c.day, one.c.nav, one.c.cum_log)
        .where(
            one.c.account_number == account,
            one.c.master_account_id == master_account_id,
            one.c.nav.is_not(None),
            one.c.day < boundary,  # none of the master's clients reported after it
            gate,
        )
        .order_by(one.c.day.desc())
        .limit(1)
        .lateral(f"{name}_rest")
    )


class AccountDayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_flows(self, flows: Mapping[tuple[str, date], tuple[str, Decimal]]) -> None:
        """(account, day) -> (master, flow): added to the day's flows."""
        if flows:
            await self._session.execute(_ADD_FLOWS, _day_arrays(flows))

    async def set_values(self, values: Mapping[tuple[str, date], tuple[str, Decimal]]) -> None:
        """(account, day) -> (master, net asset value)."""
        if values:
            await self._session.execute(_SET_VALUES, _day_arrays(values))

    async def suffixes(
        self, starts: Mapping[str, date]
    ) -> dict[str, tuple[AccountDay | None, list[AccountDay]]]:
        """Per account: the last reported day before its start (the base), and every day after
        the base (flow-only days between the base and the start included: the next value's
        factor counts their flows)."""
        bases: dict[str, AccountDay | None] = dict.fromkeys(starts)
        days: dict[str, list[AccountDay]] = {account: [] for account in starts}
        await self._session.execute(_NO_JIT)  # a batch's lookups: compiling them costs more
        rows = await self._session.execute(
            _SUFFIXES, {"accounts": list(starts), "days": list(starts.values())}
        )
        for account, day, nav, flow, cum_log, is_base in rows:
            row = AccountDay(day=day, nav=nav, flow=flow, cum_log=cum_log)
            if is_base:
                bases[account] = row
            else:
                days[account].append(row)
        return {account: (bases[account], days[account]) for account in starts}

    async def lock_for_linking(self) -> None:
        """Wait until no other transaction is linking days, then hold that until commit: a
        batch of values and a batch of flows of the same account (two consumers, or replicas)
        then never link from what the other has not committed yet."""
        await self._session.execute(
            _LOCK_GROWTH, {"class_id": GROWTH_LOCK[0], "object_id": GROWTH_LOCK[1]}
        )

    async def write(self, rows: Sequence[tuple[str, str, AccountDay]]) -> None:
        """(account, master, day) -> the day as it is now (value, flows, running log-growth),
        each written once, in one statement; the master is kept for an existing day."""
        if not rows:
            return
        await self._session.execute(
            _WRITE_DAYS,
            {
                "accounts": [a for a, _, _ in rows], "days": [d.day for _, _, d in rows],
                "masters": [m for _, m, _ in rows], "navs": [d.nav for _, _, d in rows],
                "flows": [d.flow for _, _, d in rows], "cums": [d.cum_log for _, _, d in rows],
            },
        )  # fmt: skip

    async def period_returns(
        self,
        master_account_id: str,
        scope: ClientScope,
        date_from: date,
        date_to: date,
        above: float | None,
        below: float | None,
        limit: int,
    ) -> tuple[list[PeriodReturn], int]:
        """Accounts with a value reported in (date_from, date_to] whose time-weighted return
        over the period is above and/or below the thresholds (fractions), best first, and how
        many match. The return is exp(cum(end) - cum(start)) - 1 (``domain/twr.py``), cum the
        running log-growth at each account's last value on or before each end of the period.

        Set-based: the accounts in reach and the master's clients' values on the last reporting
        day at each end come as one stream grouped by account (a hash or sort, whatever the
        planner's statistics say: never a join that could go quadratic), and only an account
        without a value on such a day is looked up on its own."""
        end, start = _boundary(master_account_id, date_to), _boundary(master_account_id, date_from)
        accounts = select(
            account_facts.c.account_number, account_facts.c.title, literal(0).label("part"),
            literal(None, Date()).label("day"), literal(None, Numeric()).label("nav"),
            literal(None, Float()).label("cum_log"),
        ).where(
            account_facts.c.master_account_id == master_account_id,
            account_facts.c.account_number != master_account_id,
            accounts_within(account_facts.c.account_number, scope),
        )  # fmt: skip
        stream = union_all(
            accounts, _slice(master_account_id, end, 1), _slice(master_account_id, start, 2)
        ).subquery("stream")

        def of(part: int, column: Any) -> Any:
            return func.max(column).filter(stream.c.part == part)

        grouped = (
            select(
                stream.c.account_number,
                func.max(stream.c.title).label("title"),
                func.bool_or(stream.c.part == 0).label("in_reach"),
                of(1, stream.c.day).label("end_day"), of(1, stream.c.nav).label("end_nav"),
                of(1, stream.c.cum_log).label("end_cum"), of(2, stream.c.day).label("start_day"),
                of(2, stream.c.nav).label("start_nav"), of(2, stream.c.cum_log).label("start_cum"),
            )
            .group_by(stream.c.account_number)
            .subquery("grouped")
        )  # fmt: skip
        g = grouped.c
        end_rest = _last_before(g.account_number, master_account_id, end, g.end_day.is_(None), "e")
        start_rest = _last_before(
            g.account_number, master_account_id, start, g.start_day.is_(None), "s"
        )
        end_cum = func.coalesce(g.end_cum, end_rest.c.cum_log)
        start_cum = func.coalesce(g.start_cum, start_rest.c.cum_log, 0.0)
        twr = func.exp(func.least(end_cum - start_cum, 700.0)) - 1
        conditions: list[Any] = [g.in_reach, func.coalesce(g.end_day, end_rest.c.day) > date_from]
        if above is not None:
            conditions.append(twr > above)
        if below is not None:
            conditions.append(twr < below)
        matched = (
            select(
                g.account_number,
                g.title,
                func.coalesce(g.start_nav, start_rest.c.nav, 0).label("start_nav"),
                func.coalesce(g.end_nav, end_rest.c.nav).label("end_nav"),
                twr.label("twr"),
            )
            .select_from(grouped.outerjoin(end_rest, true()).outerjoin(start_rest, true()))
            .where(*conditions)
        ).subquery()
        # a plan of a few milliseconds: compiling it (PostgreSQL's JIT) would cost more
        await self._session.execute(_NO_JIT)
        rows = (
            await self._session.execute(  # one pass: the page and the count of all that match
                select(matched, func.count().over().label("total"))
                .order_by(matched.c.twr.desc(), matched.c.account_number)
                .limit(limit)
            )
        ).all()
        total = int(rows[0][5]) if rows else 0
        return [PeriodReturn(r[0], r[1], r[2], r[3], float(r[4])) for r in rows], total

    async def daily_totals(
        self, master_account_id: str, scope: ClientScope, date_from: date, date_to: date
    ) -> tuple[Decimal | None, list[tuple[date, Decimal | None, Decimal, int]]]:
        """The clients' summed value before ``date_from`` and per day up to ``date_to``: (day,
        summed value or None when nobody reported, summed flows, accounts reporting)."""
        visible = [
            account_days.c.master_account_id == master_account_id,
            account_days.c.account_number != master_account_id,
            accounts_within(account_days.c.account_number, scope),
        ]
        last_before = (
            select(account_days.c.nav)
            .where(*visible, account_days.c.day < date_from, account_days.c.nav.is_not(None))
            .ext(distinct_on(account_days.c.account_number))
            .order_by(account_days.c.account_number, account_days.c.day.desc())
        ).subquery()
        base = await self._session.scalar(select(func.sum(last_before.c.nav)))
        rows = await self._session.execute(
            select(
                account_days.c.day,
                func.sum(account_days.c.nav),
                func.sum(account_days.c.flow),
                func.count(account_days.c.nav),
            )
            .where(*visible, account_days.c.day >= date_from, account_days.c.day <= date_to)
            .group_by(account_days.c.day)
            .order_by(account_days.c.day)
        )
        return base, [(r[0], r[1] if r[3] else None, r[2], int(r[3])) for r in rows]

    async def latest_value(self, account_number: str) -> tuple[date, Decimal] | None:
        row = (
            await self._session.execute(
                select(account_days.c.day, account_days.c.nav)
                .where(
                    account_days.c.account_number == account_number, account_days.c.nav.is_not(None)
                )
                .order_by(account_days.c.day.desc())
                .limit(1)
            )
        ).first()
        return (row[0], row[1]) if row else None


class RetirementAccountRepository:
    """The RMD query's accounts: type and holder's birth date from the account data queries'
    read model (``segment_facts``, kept by the tools)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def eligible(
        self, master_account_id: str, types: Sequence[str], scope: ClientScope
    ) -> list[tuple[str, str | None, str, date | None]]:
        from services.analytics.store.tools_tables import segment_facts

        rows = await self._session.execute(
            select(
                segment_facts.c.account_number,
                segment_facts.c.title,
                segment_facts.c.account_type,
                segment_facts.c.date_of_birth,
            )
            .where(
                segment_facts.c.master_account_id == master_account_id,
                segment_facts.c.account_type.in_(list(types)),
                segment_facts.c.closed.is_not(True),
                accounts_within(segment_facts.c.account_number, scope),
            )
            .order_by(segment_facts.c.account_number)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]
