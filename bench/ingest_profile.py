"""Where the contacts service's consumers spend their time: the pipeline benchmark's events
applied by the contacts service running in this process, under cProfile.

    python -m bench.ingest_profile [--events N] [--seed S] [--no-profile] [--top K] [--out FILE]

On one broker and one PostgreSQL (embedded, unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
real ones) it migrates a fresh contacts database, publishes the same N back-office events as
``bench.pipeline`` (same seed, same book), then starts the contacts service in this process (its
subscribers, outbox relay and jobs; no HTTP server) with cProfile on, and stops when contacts
has applied every event it has a handler for (its inbox, polled every 0.2 s). It prints the
apply rate of each consumer from the first event applied, the CPU the service and its
PostgreSQL backends used meanwhile, per event applied (steadier than rates on a shared machine;
``--no-profile`` measures them without cProfile's overhead), and the top functions by
cumulative and by own time (for coroutines cProfile counts each resumption as a call);
``--out`` keeps the raw profile for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import asyncpg

from bench.cpu import postgres_backends, process_cpu
from bench.local import START, infrastructure
from bench.pipeline import handled_event_ids
from deploy.demo import DEMO_MASTERS
from deploy.infrastructure import database_url_for
from deploy.simulator import BackOffice, producer, send_all
from services.contacts.app import DEFINITION, create_app
from services.contacts.settings import ContactsSettings
from services.runtime import migrations
from services.runtime.broker import ensure_topics
from services.runtime.db import ensure_database

POLL_SECONDS = 0.2


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Measured:
    done: dict[str, tuple[int, float]] = field(default_factory=dict)
    """consumer -> (events applied, seconds from the first event applied until all were)"""
    consumers: int = 0
    start_seconds: float = 0.0
    """from the service's start until the first poll that saw an event applied"""
    cpu_seconds: float = 0.0
    """this process (the service) from that poll until the last event was applied"""
    postgres_cpu_seconds: float = 0.0
    """the database's backends, meanwhile"""
    applied_before_first_poll: int = 0
    profile: cProfile.Profile | None = None

    @property
    def handled(self) -> int:
        return sum(count for count, _ in self.done.values())

    @property
    def measured_events(self) -> int:
        """the events applied while the CPU was measured"""
        return self.handled - self.applied_before_first_poll


async def run(args: argparse.Namespace) -> Measured:
    measured = Measured()
    with infrastructure("ingest-profile") as infra:
        database = f"bench_profile_{uuid.uuid4().hex[:8]}"
        url = database_url_for(infra.server_url, database)
        await ensure_database(url)
        await migrations.upgrade(DEFINITION.name, url)
        masters = [m.master_account_id for m in DEMO_MASTERS]
        events = BackOffice(masters, args.clients, seed=args.seed, start=args.start).take(
            args.events
        )
        expected = handled_event_ids(events)
        measured.consumers = len(expected)
        await ensure_topics(infra.bootstrap_servers, partitions=3)
        say(f"Publishing {len(events):,} events…")
        async with producer(infra.bootstrap_servers) as kafka:
            await send_all(kafka, events)
        settings = DEFINITION.load_settings(
            database_url=url, kafka_bootstrap_servers=infra.bootstrap_servers,
            kafka_group_prefix=f"bench-{uuid.uuid4().hex[:6]}.", log_level="WARNING",
        )  # fmt: skip
        assert isinstance(settings, ContactsSettings)
        app = create_app(settings)
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        profile = measured.profile = cProfile.Profile() if args.profile else None
        say("Applying" + (" under cProfile…" if profile else "…"))
        began = time.perf_counter()
        backends: dict[int, float] = {}
        backends_before: dict[int, float] = {}

        async def watch() -> None:
            """From the service's start (its consumers start before it has finished starting)
            until every consumer has applied all it has a handler for."""
            nonlocal backends, backends_before
            first: float | None = None  # the process's CPU when the first event was applied
            polls = 0
            while len(measured.done) < len(expected):
                if time.perf_counter() - began > args.timeout:
                    break
                await asyncio.sleep(POLL_SECONDS)
                polls += 1
                # a fresh database: every inbox row is one of this run's events
                counts = dict(await connection.fetch(
                    "SELECT consumer, count(*) FROM inbox GROUP BY consumer"
                ))  # fmt: skip
                now = time.perf_counter()
                if first is None:
                    if not counts:
                        continue
                    first = time.process_time()
                    measured.start_seconds = now - began
                    measured.applied_before_first_poll = sum(counts.values())
                    backends_before = read_backends(database)
                    backends = dict(backends_before)
                elif polls % 10 == 0:  # backends come and go with the pool: the last of each
                    backends |= read_backends(database)
                for consumer, ids in expected.items():
                    if consumer not in measured.done and counts.get(consumer, 0) == len(ids):
                        measured.done[consumer] = (len(ids), now - began - measured.start_seconds)
            if first is not None:
                measured.cpu_seconds = time.process_time() - first
                backends |= read_backends(database)

        if profile:
            profile.enable()
        try:
            watching = asyncio.create_task(watch())
            async with app.router.lifespan_context(app):
                await watching
        finally:
            if profile:
                profile.disable()
            await connection.close()
        measured.postgres_cpu_seconds = sum(
            seconds - backends_before.get(pid, 0.0) for pid, seconds in backends.items()
        )
    return measured


def read_backends(database: str) -> dict[int, float]:
    return {pid: process_cpu(pid) for pid in postgres_backends(database)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest_profile", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--clients", type=int, default=120)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="only the rates and the CPU, without cProfile's overhead")  # fmt: skip
    parser.add_argument("--top", type=int, default=40, help="functions listed per ordering")
    parser.add_argument("--out", help="write the raw profile here")
    args = parser.parse_args(argv)
    measured = asyncio.run(run(args))
    print(f"the service started; {measured.applied_before_first_poll:,} events were applied "
          f"by the first poll that saw any, {measured.start_seconds:.1f} s after its start; "
          f"then (at {POLL_SECONDS} s resolution):")  # fmt: skip
    for consumer, (count, seconds) in measured.done.items():
        if seconds < POLL_SECONDS:
            print(f"  {consumer}: {count:,} events applied by the first poll")
            continue
        rate = f" ({count / seconds:,.0f}/s)" if count else ""
        print(f"  {consumer}: {count:,} events applied within {seconds:.1f} s{rate}")
    per_event = 1000 / measured.measured_events if measured.measured_events > 0 else 0.0
    print(f"CPU from that poll on: the service {measured.cpu_seconds:.2f} s "
          f"({measured.cpu_seconds * per_event:.3f} ms per event applied since), PostgreSQL "
          f"{measured.postgres_cpu_seconds:.2f} s ({measured.postgres_cpu_seconds * per_event:.3f}"
          f" ms per event); load {os.getloadavg()[0]:.1f}"
          + (" (under cProfile)" if args.profile else ""))  # fmt: skip
    if measured.profile is not None:
        stats = pstats.Stats(measured.profile)
        if args.out:
            stats.dump_stats(args.out)
        for order in ("cumulative", "tottime"):
            text = io.StringIO()
            stats.stream = text  # type: ignore[attr-defined]
            stats.sort_stats(order).print_stats(args.top)
            print(f"\n=== by {order} ===\n{text.getvalue()}")
    return 0 if len(measured.done) == measured.consumers else 1


if __name__ == "__main__":
    sys.exit(main())
