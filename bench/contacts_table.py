"""The contacts table benchmark (C1/C2): search, filter, sort and page a 100,000-contact book
through the gateway at a steady request rate, and report latency percentiles.

    python -m bench.contacts_table [--contacts N] [--rate R] [--seconds S] [--warmup W]
                                   [--clients C] [--seed S] [--json]

It starts the whole stack (embedded broker and PostgreSQL unless KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL name real ones; no simulator), loads N contacts of ONE master straight into the
contacts service's database (a fixture: COPY, then ANALYZE/VACUUM as autovacuum would), creates
that master's user, then sends a realistic mix of table requests to GET /api/v1/contacts on an
open-loop schedule (arrivals at the target rate whether or not earlier requests have answered,
spread over several HTTP clients), so a slow moment shows as latency rather than a lower rate.
Latency is measured from each request's scheduled time to its complete response.
It prints p50/p95/p99/max and achieved throughput per kind of request and overall, and PASS
when the overall p99 is within the target and the rate was reached with no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import random
import signal
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.contacts import SortColumn
from contracts.services import SERVICE_NAMES
from deploy.simulator import CULTURES
from deploy.stack import Stack, StackConfig
from gateway.admin import create_user
from services.runtime.settings import async_database_url

MASTER = ("B1000001", "Benchmark Capital Advisors")
USERNAME = "bench-table"
PASSWORD = "bench-table-password-1"  # a throwaway user of a throwaway stack
TARGET_P99_MS = 50.0
CONNECTIONS_PER_CLIENT = 8
SORTS: tuple[SortColumn, ...] = (
    "title", "contact", "type", "account_type", "account_number", "status",
    "username", "email", "phone", "net_asset_value",
)  # fmt: skip


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the book


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str | None
    username: str | None
    account_number: str | None


def _ascii(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def book(count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Rows for COPY into ``contacts``: two thirds clients, a third prospects in every stage."""
    rng = random.Random(seed)
    cultures = list(CULTURES.values())
    now = datetime.now(UTC)
    account_numbers = rng.sample(range(1_000_000, 9_999_999), count)
    account_types = list(AccountType)
    early_stages = [ApplicationStage.INVITED, ApplicationStage.STARTED,
                    ApplicationStage.SUBMITTED, ApplicationStage.PENDING]  # fmt: skip
    for index in range(count):
        culture = rng.choice(cultures)
        first, last = rng.choice(culture.first_names), rng.choice(culture.last_names)
        handle = f"{_ascii(first)}.{_ascii(last)}{index}"
        roll = rng.random()
        if roll < 0.62:  # clients: open, some closed
            kind, stage = "client", (ApplicationStage.CLOSED if rng.random() < 0.06
                                     else ApplicationStage.OPEN)  # fmt: skip
        elif roll < 0.85:  # prospects with an application under way
            kind, stage = "prospect", rng.choice(early_stages)
        else:  # prospects the CRM only knows by name
            kind, stage = "prospect", None
        has_account = stage is not None
        nav = (
            Decimal(round(math.exp(rng.gauss(11.5, 1.4)), 2))
            if stage is ApplicationStage.OPEN
            else None
        )
        changed = now - timedelta(days=rng.randint(0, 900))
        yield (
            uuid.uuid4(), MASTER[0], kind,
            f"{first} {last}" if rng.random() < 0.9 else f"{last} Family Trust",
            first, last,
            f"{handle}@{rng.choice(culture.email_domains)}" if rng.random() < 0.93 else None,
            f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}" if rng.random() < 0.8
            else None,
            f"{_ascii(first)[:1]}{_ascii(last)}{index}" if has_account else None,
            f"U{account_numbers[index]}" if has_account else None,
            rng.choice(account_types).value if has_account or rng.random() < 0.5 else None,
            stage.value if stage else None,
            changed if stage else None,
            nav,
            stage is ApplicationStage.CLOSED,
            "{}", "[]", 1, changed, changed,
        )  # fmt: skip


COLUMNS = (
    "id", "master_account_id", "kind", "title", "first_name", "last_name", "email", "phone",
    "username", "account_number", "account_type", "status", "status_changed_at",
    "net_asset_value", "closed", "profile", "pending_tasks", "version", "created_at",
    "updated_at",
)  # fmt: skip


async def load_book(stack: Stack, count: int, seed: int) -> list[tuple[Any, ...]]:
    rows = list(book(count, seed))
    engine = create_async_engine(async_database_url(stack.database_url("contacts")))
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.copy_records_to_table("contacts", records=rows, columns=COLUMNS)
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.exec_driver_sql("VACUUM (ANALYZE) contacts")
    finally:
        await engine.dispose()
    return rows


# --------------------------------------------------------------------------- the requests


@dataclass(frozen=True)
class Request:
    kind: str
    params: dict[str, Any]


class Mix:
    """What people do with the table, in proportions: look at the first pages under the default
    sort, sort by a column, filter, search, and now and then page far."""

    def __init__(self, rows: Sequence[tuple[Any, ...]], seed: int) -> None:
        self.rng = random.Random(seed + 1)
        self.rows = rows
        self.kinds: list[tuple[str, float, Callable[[], dict[str, Any]]]] = [
            ("browse", 0.25, self.browse),
            ("sort", 0.20, self.sort),
            ("filter", 0.20, self.filter),
            ("search", 0.30, self.search),
            ("deep_page", 0.05, self.deep_page),
        ]

    def next(self) -> Request:
        pick = self.rng.random()
        for kind, share, make in self.kinds:
            if pick < share:
                return Request(kind, make())
            pick -= share
        kind, _, make = self.kinds[-1]
        return Request(kind, make())

    def _page(self, top: int) -> int:
        return min(top, 1 + int(self.rng.expovariate(1.2)))

    def _sort(self) -> dict[str, Any]:
        return {"sort": self.rng.choice(SORTS), "order": self.rng.choice(("asc", "desc"))}

    def browse(self) -> dict[str, Any]:
        return {"page": self._page(5)}

    def sort(self) -> dict[str, Any]:
        return {**self._sort(), "page": self._page(3)}

    def filter(self) -> dict[str, Any]:
        choices: list[dict[str, Any]] = [
            {"kind": self.rng.choice(("prospect", "client"))},
            {"status": self.rng.choice(list(ApplicationStage)).value},
            {"account_type": self.rng.choice(list(AccountType)).value},
            {"kind": "client", "account_type": self.rng.choice(list(AccountType)).value},
            {"status": "open", "include_closed": "false"},
        ]
        sort = self._sort() if self.rng.random() < 0.6 else {}
        return {**self.rng.choice(choices), **sort, "page": self._page(2)}

    def search(self) -> dict[str, Any]:
        row = self.rng.choice(self.rows)
        first, last, email, username, account = row[4], row[5], row[6], row[8], row[9]
        candidates = [last, f"{first} {last}", last[: max(3, len(last) - 2)]]
        if email:
            candidates.append(email.split("@")[0])
        if username:
            candidates.append(username)
        if account:
            candidates += [account, account[1:6]]
        sort = self._sort() if self.rng.random() < 0.3 else {}
        return {"q": self.rng.choice(candidates), **sort}

    def deep_page(self) -> dict[str, Any]:
        return {**self._sort(), "page": self.rng.randint(20, 200)}


# --------------------------------------------------------------------------- the load


@dataclass
class Outcome:
    kind: str
    seconds: float
    ok: bool
    finished: float
    """when the answer was complete (event loop clock)"""


@dataclass
class Summary:
    requests: int
    errors: int
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass
class Figures:
    contacts: int
    rate: float
    seconds: float
    clients: int
    nproc: int
    python: str
    database: str
    load_seconds: float = 0.0
    overall: Summary | None = None
    by_kind: dict[str, Summary] = field(default_factory=dict)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    """CPU time each part of the system spent per measured request (Linux /proc)"""
    load_average: float = 0.0
    """the machine's 1-minute load average at the end: other work on the same cores"""
    passed: bool = False


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[rank]


def summarize(outcomes: Sequence[Outcome], started: float, seconds: float) -> Summary:
    """``started``: the first scheduled time. The rate counts until the last answer (or the
    scheduled end, whichever is later), so a backlog lowers it."""
    latencies = [o.seconds * 1000 for o in outcomes if o.ok]
    elapsed = max([seconds, *(o.finished - started for o in outcomes)])
    return Summary(
        requests=len(outcomes),
        errors=sum(not o.ok for o in outcomes),
        throughput=sum(o.ok for o in outcomes) / elapsed,
        p50_ms=statistics.median(latencies) if latencies else math.nan,
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=math.nan),
    )


async def drive(
    url: str, token: str, mix: Mix, *, rate: float, seconds: float, clients: int
) -> tuple[list[Outcome], float]:
    """Send ``rate`` requests a second for ``seconds`` (Poisson arrivals), round-robin over
    ``clients`` keep-alive HTTP clients; each latency counts from its scheduled time."""
    headers = {"Authorization": f"Bearer {token}"}
    # a bounded pool per client: a backlog queues in the client (and still counts as latency)
    # rather than opening hundreds of connections that the gateway must accept and serve
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_CLIENT, max_keepalive_connections=CONNECTIONS_PER_CLIENT
    )
    pool = [httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits)
            for _ in range(clients)]  # fmt: skip
    outcomes: list[Outcome] = []
    loop = asyncio.get_running_loop()
    schedule_rng = random.Random(7)

    # requests beyond the connections wait here, in order and cheaply: httpx's own pool
    # rescans its whole queue on every answer, which burns the generator's CPU in a backlog
    in_flight = {id(client): asyncio.Semaphore(CONNECTIONS_PER_CLIENT) for client in pool}

    async def one(client: httpx.AsyncClient, request: Request, due: float) -> None:
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            async with in_flight[id(client)]:
                response = await client.get("/api/v1/contacts", params=request.params)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        finished = loop.time()
        outcomes.append(Outcome(request.kind, finished - due, ok, finished))

    try:
        start = loop.time() + 0.2
        due, tasks, index = start, [], 0
        while due < start + seconds:
            tasks.append(asyncio.create_task(one(pool[index % clients], mix.next(), due)))
            index += 1
            due += schedule_rng.expovariate(rate)
            if len(tasks) % 50 == 0:
                await asyncio.sleep(max(0.0, due - loop.time() - 0.5))
        await asyncio.gather(*tasks)
    finally:
        for client in pool:
            await client.aclose()
    return outcomes, start


async def login(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def measure(stack: Stack, args: argparse.Namespace, figures: Figures) -> None:
    await create_user(
        stack.database_url("gateway"), master_account_id=MASTER[0], master_name=MASTER[1],
        username=USERNAME, display_name="Benchmark user", password=PASSWORD,
    )  # fmt: skip
    say(f"Loading {args.contacts:,} contacts of {MASTER[0]} into the contacts database…")
    started = time.monotonic()
    rows = await load_book(stack, args.contacts, args.seed)
    figures.load_seconds = time.monotonic() - started
    token = await login(stack.portal_url)
    mix = Mix(rows, args.seed)
    # the book's rows live until the end: keep the collector from walking them during the run,
    # which would pause this process and show up as the system's latency
    gc.collect()
    gc.freeze()
    if args.warmup:
        say(f"Warming up for {args.warmup:.0f} s at {args.rate:.0f} requests/s…")
        await drive(stack.portal_url, token, mix, rate=args.rate, seconds=args.warmup,
                    clients=args.clients)  # fmt: skip
    say(f"Measuring for {args.seconds:.0f} s at {args.rate:.0f} requests/s…")
    before = cpu_seconds(stack)
    outcomes, started = await drive(stack.portal_url, token, mix, rate=args.rate,
                                    seconds=args.seconds, clients=args.clients)  # fmt: skip
    after = cpu_seconds(stack)
    figures.cpu_ms_per_request = {
        part: (after[part] - before.get(part, 0.0)) * 1000 / max(len(outcomes), 1) for part in after
    }
    figures.load_average = os.getloadavg()[0]
    figures.overall = summarize(outcomes, started, args.seconds)
    kinds = defaultdict(list)
    for outcome in outcomes:
        kinds[outcome.kind].append(outcome)
    figures.by_kind = {
        kind: summarize(found, started, args.seconds) for kind, found in sorted(kinds.items())
    }
    overall = figures.overall
    figures.passed = (
        overall.errors == 0
        and overall.p99_ms <= TARGET_P99_MS
        and overall.throughput >= 0.97 * args.rate
    )


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by the gateway, contacts, this run's PostgreSQL backends and
    this process (the load generator); empty where /proc is not there."""
    if not Path("/proc/self/stat").exists():
        return {}
    used = {name: _process_cpu(stack.child(name).process) for name in ("gateway", "contacts")}
    used["postgres"] = sum(
        _process_cpu(pid) for pid in _postgres_backends(stack.config.database_prefix)
    )
    times = os.times()
    used["load generator"] = times.user + times.system
    return used


def _process_cpu(process: Any) -> float:
    pid = process if isinstance(process, int) else process.pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_backends(prefix: str) -> list[int]:
    backends = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and prefix in title:
                backends.append(int(entry.name))
    return backends


def table(figures: Figures) -> str:
    lines = [
        f"Contacts table through the gateway: {figures.contacts:,} contacts in one master, "
        f"target {figures.rate:.0f} requests/s for {figures.seconds:.0f} s "
        f"({figures.clients} HTTP clients, open loop)",
        f"nproc {figures.nproc}, Python {figures.python}, database {figures.database}; "
        f"book loaded in {figures.load_seconds:.1f} s",
        "",
        f"{'kind':<10} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8}",
    ]
    rows = [*figures.by_kind.items(), ("overall", figures.overall)]
    for kind, s in rows:
        if s is None:
            continue
        lines.append(
            f"{kind:<10} {s.requests:>9} {s.errors:>7} {s.throughput:>8.1f} {s.p50_ms:>8.1f} "
            f"{s.p95_ms:>8.1f} {s.p99_ms:>8.1f} {s.max_ms:>8.1f}"
        )
    if figures.cpu_ms_per_request:
        parts = figures.cpu_ms_per_request
        lines += ["", "CPU per request: " + ", ".join(f"{part} {ms:.1f} ms"
                                                    for part, ms in parts.items())
                  + f"; total {sum(parts.values()):.1f} ms "
                  f"(machine load average {figures.load_average:.1f} at the end)"]  # fmt: skip
    verdict = "PASS" if figures.passed else "FAIL"
    lines += ["", f"{verdict}: target p99 <= {TARGET_P99_MS:.0f} ms at {figures.rate:.0f} "
              "requests/s with no errors"]  # fmt: skip
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.contacts_table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured lead-in")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    config = StackConfig(
        portal_port=0,
        data_dir=Path(os.environ.get("STACK_DATA_DIR", Path(__file__).parent.parent / ".data")),
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        database_prefix=f"bench_{uuid.uuid4().hex[:8]}_",
        simulator=False,
        demo_users=False,
    )
    figures = Figures(
        contacts=args.contacts, rate=args.rate, seconds=args.seconds, clients=args.clients,
        nproc=os.cpu_count() or 0, python=platform.python_version(),
        database="external" if config.database_url else "embedded",
    )  # fmt: skip
    stack = Stack(config)
    try:
        say(f"Starting the stack (logs in {stack.logs})…")
        stack.start()
        asyncio.run(measure(stack, args, figures))
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    finally:
        say("Stopping the stack…")
        stack.stop()
        if config.database_url:
            asyncio.run(_drop_databases(stack))
    print(json.dumps(asdict(figures), indent=2) if args.json else table(figures))
    return 0 if figures.passed else 1


async def _drop_databases(stack: Stack) -> None:
    """On a real server, remove this run's databases (their names carry the unique prefix)."""
    engine = create_async_engine(async_database_url(stack.server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as db:
            for owner in (*SERVICE_NAMES, "gateway"):
                await db.exec_driver_sql(
                    f'DROP DATABASE IF EXISTS "{stack.config.database_prefix}{owner}"'
                )
    except Exception as error:
        say(f"Could not drop the bench databases: {error!r}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
