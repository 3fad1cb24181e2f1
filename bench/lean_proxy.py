"""The lean reference of the contacts table (P3): what plain Python serves of the same table
requests on the same machine, through the same two hops as the portal, with nothing else.

    python -m bench.lean_proxy [--contacts N] [--rate R] [--seconds S] [--warmup W]
                               [--clients C] [--seed S] [--json]

On one PostgreSQL (embedded, unless DATABASE_URL names a real one) it migrates a fresh database
with the contacts service's own schema (the same table and indexes), COPYs the same book as
``bench.contacts_table`` (same seed) and runs ``VACUUM (ANALYZE)``. Then it starts two processes:

- a **page service**: a bare ASGI application under uvicorn (as the services run, one process)
  with an asyncpg pool, answering ``GET /api/v1/contacts`` with the table's page as JSON after
  checking the internal token. It plans like the contacts service (a search's matches, or a
  filter's when few, sorted in memory in one statement; otherwise the sort's index walked; the
  count capped at 10,000 and an unfiltered book's count kept for a minute), but builds its SQL
  by hand, sends it unprepared (PostgreSQL then plans for the values, as the service's inlined
  values make it do) and reads empty values first in a descending sort (the index's order).
- a **proxy**: a bare ASGI application under uvicorn that checks the bearer token (an
  HMAC-SHA256 signature of the master, the user and the expiry), and forwards the request to the
  page service over a pool of kept-alive connections (httpcore, the transport under httpx),
  passing the answer's bytes on.

The load is ``bench.contacts_table``'s own: its request mix and its open-loop generator
(``drive``: Poisson arrivals, latency from each request's scheduled time), the same warm-up,
duration and clients, and the same verdict (p99 <= 50 ms at the offered rate, no errors).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import hashlib
import hmac
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import httpcore

from bench.contacts_table import (
    COLUMNS,
    MASTER,
    TARGET_P99_MS,
    Mix,
    Summary,
    book,
    drive,
    summarize,
)
from bench.cpu import postgres_backends, process_cpu, this_process
from bench.local import infrastructure
from deploy.infrastructure import database_url_for, free_port, wait_for_port
from services.runtime import migrations
from services.runtime.db import ensure_database

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PAGE_SIZE = 50
COUNT_CAP = 10_000
SORT_IN_MEMORY = 5_000
BOOK_SIZE_SECONDS = 60.0
POOL_SIZE = 8
TOKEN_SECONDS = 3600

SHOWN = ("id", "kind", "title", "first_name", "last_name", "email", "phone", "username",
         "account_number", "account_type", "status", "net_asset_value", "closed", "version")  # fmt: skip
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "id"),
    "contact": ("last_name", "first_name", "id"),
    "type": ("kind", "last_name", "first_name", "id"),
    "account_type": ("account_type", "last_name", "first_name", "id"),
    "account_number": ("account_number", "id"),
    "status": ("status", "last_name", "first_name", "id"),
    "username": ("username", "id"),
    "email": ("email", "id"),
    "phone": ("phone", "id"),
    "net_asset_value": ("net_asset_value", "id"),
}
"""the sorts and their keys (the indexes ``ix_contacts_sort_<sort>`` serve them)"""
FILTERS = {"kind": "kind", "status": "status", "account_type": "account_type"}


# --------------------------------------------------------------------------- the token


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_token(secret: bytes, master: str, user: str, now: float | None = None) -> str:
    claims = f"{master}:{user}:{int((now or time.time()) + TOKEN_SECONDS)}".encode()
    return f"{_b64(claims)}.{_b64(hmac.digest(secret, claims, hashlib.sha256))}"


def check_token(secret: bytes, token: str, now: float | None = None) -> str | None:
    """The master the token is for, or None when it is forged, malformed or expired."""
    try:
        encoded, signature = token.split(".")
        claims = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(hmac.digest(secret, claims, hashlib.sha256), given):
        return None
    master, _, expires = claims.decode().split(":")
    return master if float(expires) > (now or time.time()) else None


# --------------------------------------------------------------------------- the page service


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def page_query(params: dict[str, str], master: str) -> tuple[list[str], tuple[str, ...], bool, int]:
    """(conditions, sort keys, descending, offset): values quoted into the SQL."""
    conditions = [f"master_account_id = {_quote(master)}"]
    for word in params.get("q", "").lower().split()[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        conditions.append(f"search_text LIKE {_quote(f'%{escaped}%')}")
    for name, column in FILTERS.items():
        if params.get(name):
            conditions.append(f"{column} = {_quote(params[name])}")
    if params.get("include_closed", "true") == "false":
        conditions.append("closed IS FALSE")
    keys = SORT_KEYS.get(params.get("sort", "contact"), SORT_KEYS["contact"])
    page = max(1, int(params.get("page", "1")))
    return conditions, keys, params.get("order") == "desc", (page - 1) * PAGE_SIZE


class PageService:
    def __init__(self, database: str, internal_token: str) -> None:
        self.database = database
        self.internal_token = internal_token.encode()
        self.pool: asyncpg.Pool | None = None
        self.book_sizes: dict[str, float] = {}  # master -> until when its book is known large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        headers = dict(scope["headers"])
        master = headers.get(b"x-master-account-id", b"").decode()
        if not hmac.compare_digest(headers.get(b"x-internal-token", b""), self.internal_token):
            await _answer(send, 403, b'{"detail": "forbidden"}')
            return
        params = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        assert self.pool is not None
        async with self.pool.acquire() as db:
            rows, total = await self._page(db, *page_query(params, master))
        body = {"rows": rows, "total": min(total, COUNT_CAP), "total_exact": total <= COUNT_CAP,
                "page_size": PAGE_SIZE}  # fmt: skip
        await _answer(send, 200, json.dumps(body, default=str).encode())

    async def _page(
        self, db: asyncpg.Connection, conditions: list[str], keys: tuple[str, ...],
        descending: bool, offset: int,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        where = " AND ".join(conditions)
        direction = " DESC" if descending else ""
        order = ", ".join(f"{key}{direction}" for key in keys)
        columns = ", ".join(SHOWN)
        total: int | None = None
        if len(conditions) > 1:
            searched = any(c.startswith("search_text") for c in conditions)
            if not searched:
                total = await self._count(db, where)
            if searched or (total is not None and total <= SORT_IN_MEMORY):
                hidden = "".join(f", {key}" for key in keys if key not in SHOWN)
                found = await db.fetch(
                    f"WITH m AS MATERIALIZED (SELECT {columns}{hidden} FROM contacts "  # noqa: S608 - values quoted
                    f"WHERE {where} LIMIT {SORT_IN_MEMORY + 1}) "
                    f"SELECT {columns}, (SELECT count(*) FROM m) AS found FROM m "
                    f"ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {offset}"
                )
                matches = found[0]["found"] if found else (total or 0)
                if matches <= SORT_IN_MEMORY:
                    return [_row(r) for r in found], matches
        rows = await db.fetch(
            f"SELECT {columns} FROM contacts WHERE {where} ORDER BY {order} "  # noqa: S608 - values quoted
            f"LIMIT {PAGE_SIZE} OFFSET {offset}"
        )
        if total is None:
            total = await self._book_size(db, conditions[0]) if len(conditions) == 1 else None
        if total is None:
            total = await self._count(db, where)
        return [_row(r) for r in rows], total

    async def _count(self, db: asyncpg.Connection, where: str) -> int:
        capped = f"SELECT 1 FROM contacts WHERE {where} LIMIT {COUNT_CAP + 1}"  # noqa: S608 - values quoted
        query = f"SELECT count(*) FROM ({capped}) m"  # noqa: S608 - values quoted
        return int(await db.fetchval(query))

    async def _book_size(self, db: asyncpg.Connection, of_master: str) -> int:
        """``of_master``: the condition naming the master."""
        if self.book_sizes.get(of_master, 0.0) > time.monotonic():
            return COUNT_CAP + 1
        total = await self._count(db, of_master)
        if total > COUNT_CAP:
            self.book_sizes[of_master] = time.monotonic() + BOOK_SIZE_SECONDS
        return total

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # unprepared (unnamed) statements: planned for the values they carry
                self.pool = await asyncpg.create_pool(
                    self.database, min_size=POOL_SIZE, max_size=POOL_SIZE, statement_cache_size=0
                )
                gc.collect()
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _row(record: asyncpg.Record) -> dict[str, Any]:
    return dict(zip(SHOWN, record, strict=False))


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- the proxy


class Proxy:
    def __init__(self, upstream: str, secret: bytes, internal_token: str) -> None:
        self.upstream = upstream.encode()
        self.secret = secret
        self.internal_token = internal_token.encode()
        self.pool: httpcore.AsyncConnectionPool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode()
        scheme, _, token = authorization.partition(" ")
        master = check_token(self.secret, token) if scheme.lower() == "bearer" else None
        if master is None:
            await _answer(send, 401, b'{"detail": "not authenticated"}')
            return
        assert self.pool is not None
        query = scope["query_string"]
        url = self.upstream + scope["raw_path"] + (b"?" + query if query else b"")
        response = await self.pool.request("GET", url, headers=[
            (b"Host", b"page-service"), (b"X-Master-Account-Id", master.encode()),
            (b"X-Internal-Token", self.internal_token),
        ])  # fmt: skip
        await _answer(send, response.status, response.content)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # keep-alive connections to the page service, closed before it would close them
                self.pool = httpcore.AsyncConnectionPool(max_connections=POOL_SIZE * 4,
                                                         keepalive_expiry=5)  # fmt: skip
                gc.collect()
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def serve(args: argparse.Namespace) -> None:
    """A child process: the page service or the proxy, under uvicorn as the services run."""
    import uvicorn

    app: Any = (
        PageService(args.database, args.internal_token)
        if args.serve == "page"
        else Proxy(args.upstream, bytes.fromhex(args.secret), args.internal_token)
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False,
                timeout_keep_alive=30)  # fmt: skip


# --------------------------------------------------------------------------- the measurement


@dataclass
class Figures:
    contacts: int
    rate: float
    seconds: float
    clients: int
    nproc: int
    python: str
    database: str
    overall: Summary | None = None
    by_kind: dict[str, Summary] = field(default_factory=dict)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    load_average: float = 0.0
    passed: bool = False


async def load_book(url: str, count: int, seed: int) -> list[tuple[Any, ...]]:
    rows = list(book(count, seed))
    db = await asyncpg.connect(url)
    try:
        await db.copy_records_to_table("contacts", records=rows, columns=COLUMNS)
        await db.execute("VACUUM (ANALYZE) contacts")
    finally:
        await db.close()
    return rows


def _start(arguments: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as output:
        return subprocess.Popen([sys.executable, "-m", "bench.lean_proxy", *arguments],
                                stdout=output, stderr=subprocess.STDOUT)  # fmt: skip


def cpu_seconds(pids: dict[str, int], database: str) -> dict[str, float]:
    used = {name: process_cpu(pid) for name, pid in pids.items()}
    used["postgres"] = sum(map(process_cpu, postgres_backends(f" {database} ")))
    used["load generator"] = this_process()
    return used


async def measure(args: argparse.Namespace, figures: Figures, url: str, logs: Path) -> None:
    say(f"Loading {args.contacts:,} contacts of {MASTER[0]}…")
    rows = await load_book(url, args.contacts, args.seed)
    page_port, proxy_port = free_port(), free_port()
    secret, internal_token = os.urandom(32), uuid.uuid4().hex  # of this measurement
    children = {
        "page service": _start(["--serve", "page", "--port", str(page_port), "--database", url,
                                "--internal-token", internal_token], logs / "page.log"),
        "proxy": _start(["--serve", "proxy", "--port", str(proxy_port), "--upstream",
                         f"http://127.0.0.1:{page_port}", "--secret", secret.hex(),
                         "--internal-token", internal_token], logs / "proxy.log"),
    }  # fmt: skip
    try:
        for port in (page_port, proxy_port):
            await asyncio.to_thread(wait_for_port, "127.0.0.1", port, timeout=60)
        proxy = f"http://127.0.0.1:{proxy_port}"
        token = make_token(secret, MASTER[0], "bench")
        mix = Mix(rows, args.seed)
        gc.collect()
        gc.freeze()
        if args.warmup:
            say(f"Warming up for {args.warmup:.0f} s at {args.rate:.0f} requests/s…")
            await drive(proxy, token, mix, rate=args.rate, seconds=args.warmup,
                        clients=args.clients)  # fmt: skip
        say(f"Measuring for {args.seconds:.0f} s at {args.rate:.0f} requests/s…")
        pids = {name: child.pid for name, child in children.items()}
        database = url.rsplit("/", 1)[-1].split("?")[0]
        before = cpu_seconds(pids, database)
        outcomes, started = await drive(proxy, token, mix, rate=args.rate, seconds=args.seconds,
                                        clients=args.clients)  # fmt: skip
        after = cpu_seconds(pids, database)
    finally:
        for child in children.values():
            child.terminate()
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)
    figures.cpu_ms_per_request = {
        part: (after[part] - before.get(part, 0.0)) * 1000 / max(len(outcomes), 1) for part in after
    }
    figures.load_average = os.getloadavg()[0]
    figures.overall = overall = summarize(outcomes, started, args.seconds)
    kinds: dict[str, list[Any]] = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.kind, []).append(outcome)
    figures.by_kind = {kind: summarize(found, started, args.seconds)
                       for kind, found in sorted(kinds.items())}  # fmt: skip
    figures.passed = (overall.errors == 0 and overall.p99_ms <= TARGET_P99_MS
                      and overall.throughput >= 0.97 * args.rate)  # fmt: skip


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def table(figures: Figures) -> str:
    lines = [
        f"Lean page service behind a lean token-checking proxy (reference for P3): "
        f"{figures.contacts:,} contacts, {figures.rate:.0f} requests/s offered for "
        f"{figures.seconds:.0f} s ({figures.clients} HTTP clients, open loop)",
        f"nproc {figures.nproc}, Python {figures.python}, database {figures.database}, "
        f"load {figures.load_average:.1f} at the end",
        "",
        f"{'kind':<10} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8}",
    ]
    for kind, s in [*figures.by_kind.items(), ("overall", figures.overall)]:
        if s is not None:
            lines.append(f"{kind:<10} {s.requests:>9} {s.errors:>7} {s.throughput:>8.1f} "
                         f"{s.p50_ms:>8.1f} {s.p95_ms:>8.1f} {s.p99_ms:>8.1f} {s.max_ms:>8.1f}")  # fmt: skip
    parts = figures.cpu_ms_per_request
    if parts:
        lines += ["", "CPU per request: " + ", ".join(f"{p} {ms:.1f} ms" for p, ms in parts.items())
                  + f"; total {sum(parts.values()):.1f} ms"]  # fmt: skip
    verdict = "PASS" if figures.passed else "FAIL"
    lines += ["", f"{verdict}: p99 <= {TARGET_P99_MS:.0f} ms at {figures.rate:.0f} requests/s "
              "with no errors"]  # fmt: skip
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lean_proxy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add = parser.add_argument
    add("--contacts", type=int, default=100_000)
    add("--rate", type=float, default=200.0, help="requests per second")
    add("--seconds", type=float, default=30.0, help="measured duration")
    add("--warmup", type=float, default=5.0, help="unmeasured lead-in")
    add("--clients", type=int, default=8, help="concurrent HTTP clients")
    add("--seed", type=int, default=2026)
    add("--json", action="store_true")
    # the child processes (started by the measurement)
    add("--serve", choices=("page", "proxy"), help=argparse.SUPPRESS)
    add("--port", type=int, help=argparse.SUPPRESS)
    add("--database", help=argparse.SUPPRESS)
    add("--upstream", help=argparse.SUPPRESS)
    add("--secret", help=argparse.SUPPRESS)
    add("--internal-token", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.serve:
        serve(args)
        return 0
    with infrastructure("lean-proxy", kafka=False) as infra:
        figures = Figures(
            contacts=args.contacts, rate=args.rate, seconds=args.seconds, clients=args.clients,
            nproc=os.cpu_count() or 0, python=platform.python_version(), database=infra.database,
        )  # fmt: skip
        url = database_url_for(infra.server_url, f"bench_lean_{uuid.uuid4().hex[:8]}")
        logs = Path(os.environ.get("STACK_DATA_DIR", Path(__file__).parent.parent / ".data"))
        logs = logs / f"lean-proxy-{os.getpid()}"
        logs.mkdir(parents=True, exist_ok=True)

        async def prepare_and_measure() -> None:
            await ensure_database(url)
            await migrations.upgrade("contacts", url)
            plain = url.replace("postgresql+asyncpg://", "postgresql://")
            await measure(args, figures, plain, logs)

        asyncio.run(prepare_and_measure())
    print(json.dumps(asdict(figures), indent=2) if args.json else table(figures))
    return 0 if figures.passed else 1


if __name__ == "__main__":
    sys.exit(main())
