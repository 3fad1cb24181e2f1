"""The likely-duplicates benchmark (X2): suggestions over a book of N open prospects.

    python -m bench.duplicates [--prospects N] [--runs R] [--seed S]

Makes a fresh contacts database (on DATABASE_URL's server, else an embedded PostgreSQL), loads
N prospects of one master (names drawn from a few thousand synthetic first and last names, the
last names Zipf-distributed, 70 % with an email, 60 % with a phone) plus about 1 % injected
duplicates (the same email in capitals, the same phone written nationally, a swapped letter or
a shortened first name), and a second master of N/10 prospects. The load goes through the
``contacts`` trigger that keeps the matching keys, so its time includes that cost. Then it times
``suggest_duplicates`` R times and prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from deploy.infrastructure import EmbeddedPostgres, database_url_for
from services.contacts.service_layer.merge import suggest_duplicates
from services.contacts.service_layer.unit_of_work import SqlContactsUnitOfWork
from services.runtime import migrations
from services.runtime.caller import Caller
from services.runtime.db import Database, _asyncpg_dsn, ensure_database

MASTER, OTHER_MASTER = "B0000001", "B0000002"
SYLLABLES = ("ka", "lo", "mi", "ra", "ne", "to", "su", "bi", "de", "fa", "go", "hu", "ji",
             "le", "mo", "na", "pe", "ri", "sa", "ti", "vo", "ya", "ze", "an", "el", "in", "or",
             "us", "ber", "ton", "son", "man", "ley", "ford", "wick", "dale")  # fmt: skip
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "example.org")
COLUMNS = ["id", "master_account_id", "kind", "first_name", "last_name", "email", "phone",
           "profile", "version", "closed", "pending_tasks"]  # fmt: skip


class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.first_names = sorted({self._word(rng.choice((2, 2, 3))) for _ in range(1500)})
        self.last_names = sorted({self._word(rng.choice((2, 3, 3, 4))) for _ in range(40_000)})
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.last_names))]
        self.cumulative = list(itertools.accumulate(weights))

    def _word(self, syllables: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()

    def person(self) -> tuple[str, str, str | None, str | None]:
        first = self.rng.choice(self.first_names)
        last = self.rng.choices(self.last_names, cum_weights=self.cumulative)[0]
        email = None
        if self.rng.random() < 0.7:
            number = self.rng.randrange(10_000)
            email = f"{first}.{last}{number}@{self.rng.choice(DOMAINS)}".lower()
        phone = None
        if self.rng.random() < 0.6:
            phone = f"+1{self.rng.randrange(200, 999)}{self.rng.randrange(2_000_000, 9_999_999)}"
        return first, last, email, phone

    def duplicate_of(self, first: str, last: str, email: str | None, phone: str | None) -> Any:
        kind = self.rng.choice(("email", "phone", "typo", "short"))
        if kind == "email" and email:
            return self.rng.choice(self.first_names), last, email.upper(), None
        if kind == "phone" and phone:
            digits = phone[2:]
            return first, last, None, f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        if kind == "typo" and len(first) > 3:
            i = self.rng.randrange(1, len(first) - 2)
            return first[:i] + first[i + 1] + first[i] + first[i + 2 :], last, None, None
        return first[:-1], last, None, None


def rows(people: People, master: str, count: int, duplicates: float) -> list[tuple[Any, ...]]:
    def row(first: str, last: str, email: str | None, phone: str | None) -> tuple[Any, ...]:
        return (uuid.uuid4(), master, "prospect", first, last, email, phone, "{}", 1, False, "[]")

    made = []
    for _ in range(count):
        person = people.person()
        made.append(row(*person))
        if people.rng.random() < duplicates:
            made.append(row(*people.duplicate_of(*person)))
    return made


async def run(server: str, prospects: int, runs: int, seed: int) -> dict[str, Any]:
    url = database_url_for(server, f"bench_duplicates_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    await migrations.upgrade("contacts", url)
    people = People(random.Random(seed))
    book = rows(people, MASTER, prospects, 0.01) + rows(people, OTHER_MASTER, prospects // 10, 0)
    dsn, extra = _asyncpg_dsn(url, url.rsplit("/", 1)[1].split("?")[0])
    connection = await asyncpg.connect(dsn, **extra)
    try:
        started = time.perf_counter()
        await connection.copy_records_to_table("contacts", records=book, columns=COLUMNS)
        load_seconds = time.perf_counter() - started
        await connection.execute("VACUUM ANALYZE contacts")
        await connection.execute("VACUUM ANALYZE contact_duplicate_keys")
        keys = await connection.fetchval(
            "SELECT count(*) FROM contact_duplicate_keys WHERE master_account_id = $1", MASTER
        )
    finally:
        await connection.close()
    database = Database(url, unit_of_work=SqlContactsUnitOfWork)
    timings, clusters = [], 0
    try:
        for _ in range(runs):
            started = time.perf_counter()
            async with database.unit_of_work() as uow:
                _, clusters = await suggest_duplicates(uow, Caller(MASTER, "bench"), limit=20)
            timings.append(time.perf_counter() - started)
    finally:
        await database.dispose()
    master_rows = sum(1 for item in book if item[1] == MASTER)
    return {
        "prospects": master_rows, "keys": keys, "clusters": clusters,
        "load_seconds": round(load_seconds, 1), "load_rows": len(book),
        "suggest_ms_min": round(min(timings) * 1000), "suggest_ms_median":
        round(statistics.median(timings) * 1000), "runs": runs, "load_average": os.getloadavg()[0],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prospects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    embedded = None
    if not server:
        embedded = EmbeddedPostgres(Path(tempfile.mkdtemp()) / "data").start()
        server = embedded.url
    try:
        figures = asyncio.run(run(server, arguments.prospects, arguments.runs, arguments.seed))
    finally:
        if embedded:
            embedded.stop()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
