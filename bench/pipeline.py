"""The pipeline benchmark: the whole stack's end-to-end apply rate next to raw aiokafka rates.

    python -m bench.pipeline [--events N] [--seed S] [--start DATE] [--clients C]
                             [--timeout SECONDS] [--json] [--profile DIR]
                             [--replicas SERVICE=N ...]

On one broker and one PostgreSQL (embedded, unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
real ones) it starts the whole stack, measures raw aiokafka produce and consume on a fresh topic,
then publishes N back-office events as fast as possible and waits until contacts has applied
every event it has a handler for and analytics every contact event contacts published.
``--replicas contacts=2`` runs two processes of contacts, sharing its consumer groups' partitions.
See bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.cpu import postgres_backends, process_cpu
from bench.local import RAW_PARTITIONS, START, Message, raw_produce
from bench.service_logs import DEADLOCK, ONE_AT_A_TIME, LogWindow
from contracts import topics
from contracts.services import SERVICE_NAMES
from deploy.demo import DEMO_MASTERS
from deploy.simulator import BackOffice, SimulatedEvent, producer, send_all
from deploy.stack import Stack, StackConfig, service_of
from services.analytics.app import DEFINITION as ANALYTICS
from services.contacts.app import DEFINITION as CONTACTS
from services.runtime.consumers import SESSION_TIMEOUT_MS
from services.runtime.settings import async_database_url

POLL_SECONDS = 0.5
REPORT_SECONDS = 5.0


@dataclass
class Stage:
    """One inbox consumer: events it has to apply, applied so far, when it (last) caught up."""

    expected: int = 0
    applied: int = 0
    seconds: float | None = None

    def observe(self, applied: int, expected: int, now: float) -> None:
        self.applied, self.expected = applied, expected
        if applied < expected:
            self.seconds = None
        elif self.seconds is None:
            self.seconds = now


@dataclass
class Figures:
    events: int
    seed: int
    start: str
    clients_per_master: int
    masters: int
    nproc: int
    python: str
    broker: str
    database: str
    message_bytes: float = 0.0  # average key + value of the simulator's messages
    published: int = 0
    publish_seconds: float | None = None
    stages: dict[str, Stage] = field(default_factory=dict)  # by inbox consumer
    seconds: float = 0.0
    complete: bool = False
    raw_produce_seconds: float | None = None
    raw_consume_seconds: float | None = None
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load before and after end to end
    bench_cpu_seconds: float = 0.0  # this process during end to end: send_all and the polling
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU each part of the system used during end to end (Linux /proc; empty elsewhere)"""
    replicas: dict[str, int] = field(default_factory=dict)  # processes of a service, when not 1
    deadlocks: int = 0  # lines naming "deadlock detected" the services logged during end to end
    one_at_a_time: int = 0  # batches a consumer fell back to applying event by event, meanwhile
    deadlocks_by_process: dict[str, int] = field(default_factory=dict)
    one_at_a_time_by_process: dict[str, int] = field(default_factory=dict)
    platform: str = field(default_factory=platform.platform)

    def applied(self, service: str) -> int:
        return sum(s.applied for name, s in self.stages.items() if name.startswith(f"{service}."))

    @property
    def rates(self) -> dict[str, float | None]:
        def per_second(count: int, seconds: float | None) -> float | None:
            return count / seconds if seconds else None

        end_to_end = per_second(self.events, self.seconds) if self.complete else None
        produce = per_second(self.events, self.raw_produce_seconds)
        consume = per_second(self.events, self.raw_consume_seconds)
        applied = self.applied(CONTACTS.name) + self.applied(ANALYTICS.name)
        return {
            "end_to_end_per_second": end_to_end,
            "applied_per_second": per_second(applied, self.seconds),
            "publish_per_second": per_second(self.published, self.publish_seconds),
            "raw_produce_per_second": produce,
            "raw_consume_per_second": consume,
            "end_to_end_over_raw_produce": end_to_end / produce if end_to_end and produce else None,
            "end_to_end_over_raw_consume": end_to_end / consume if end_to_end and consume else None,
        }


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- raw aiokafka


async def raw_rates(bootstrap: str, messages: Sequence[Message], figures: Figures) -> None:
    topic = f"bench.raw-{uuid.uuid4()}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, RAW_PARTITIONS, replication_factor=1)])
        figures.raw_produce_seconds = await raw_produce(bootstrap, topic, messages)
        figures.raw_consume_seconds = await raw_consume(bootstrap, topic, len(messages))
    finally:
        with contextlib.suppress(Exception):
            await admin.delete_topics([topic])
        await admin.close()


async def raw_consume(bootstrap: str, topic: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(RAW_PARTITIONS)]
        consumer.assign(partitions)
        began = time.perf_counter()
        await consumer.seek_to_beginning(*partitions)
        read = 0
        async with asyncio.timeout(120):
            while read < count:
                batches = await consumer.getmany(timeout_ms=1000, max_records=50_000)
                read += sum(len(batch) for batch in batches.values())
        return time.perf_counter() - began
    finally:
        await consumer.stop()


# --------------------------------------------------------------------------- end to end


def handled_event_ids(events: Sequence[SimulatedEvent]) -> dict[str, list[UUID]]:
    """Per contacts inbox consumer, the ids of the events it has a handler for (the others are
    skipped without an inbox row)."""
    return {
        f"{CONTACTS.name}.{topic.name}": [
            e.envelope.event_id
            for e in events
            if e.topic.name == topic.name and type(e.envelope.payload) in handlers
        ]
        for topic, handlers in CONTACTS.subscriptions
    }


def read_only_engine(url: str) -> AsyncEngine:
    return create_async_engine(
        async_database_url(url),
        isolation_level="AUTOCOMMIT",  # no snapshot held open between polls
        pool_size=1,
        connect_args={"server_settings": {"default_transaction_read_only": "on"}},
    )


COUNT_APPLIED = text(
    "SELECT count(*) FROM inbox WHERE consumer = :consumer AND event_id = ANY(:ids)"
)
NEW_CONTACT_EVENTS = text(
    "SELECT seq, envelope->>'event_id' FROM outbox WHERE topic = :topic AND seq > :after ORDER BY seq"
)


class Watcher:
    """Counts, in the services' own databases, what they have applied of this run's events."""

    def __init__(self, stack: Stack, events: Sequence[SimulatedEvent]) -> None:
        self.contacts = read_only_engine(stack.database_url(CONTACTS.name))
        self.analytics = read_only_engine(stack.database_url(ANALYTICS.name))
        self.expected = handled_event_ids(events)
        self.analytics_consumer = f"{ANALYTICS.name}.{topics.CONTACTS.name}"
        self.contact_event_ids: list[UUID] = []  # contacts' outbox rows for contacts.contacts
        self.last_seq = 0

    async def poll(self, figures: Figures, now: float) -> None:
        applied: dict[str, tuple[int, int]] = {}
        async with self.contacts.connect() as db:
            for consumer, ids in self.expected.items():
                count = await db.scalar(COUNT_APPLIED, {"consumer": consumer, "ids": ids})
                applied[consumer] = (count or 0, len(ids))
            # read after the inbox: an event's outbox rows commit with its inbox row
            params = {"topic": topics.CONTACTS.name, "after": self.last_seq}
            for seq, event_id in (await db.execute(NEW_CONTACT_EVENTS, params)).all():
                self.contact_event_ids.append(UUID(event_id))
                self.last_seq = seq
        async with self.analytics.connect() as db:
            params = {"consumer": self.analytics_consumer, "ids": self.contact_event_ids}
            count = await db.scalar(COUNT_APPLIED, params)
            applied[self.analytics_consumer] = (count or 0, len(self.contact_event_ids))
        for consumer, (count, expected) in applied.items():
            figures.stages.setdefault(consumer, Stage()).observe(count, expected, now)

    async def dispose(self) -> None:
        await self.contacts.dispose()
        await self.analytics.dispose()


def cpu_by_part(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each service, the gateway, the broker and this run's PostgreSQL
    backends (other work on the machine is not counted)."""
    used = {child.name: process_cpu(child.process.pid if child.process else None)
            for child in stack.children}  # fmt: skip
    used["broker"] = process_cpu(stack.broker.pid if stack.broker else None)
    used["postgres"] = sum(map(process_cpu, postgres_backends(stack.config.database_prefix)))
    return used


async def end_to_end(
    stack: Stack, events: Sequence[SimulatedEvent], figures: Figures, budget: float
) -> None:
    watcher = Watcher(stack, events)
    logs = LogWindow({c.name: c.log_path for c in stack.children
                      if service_of(c.name) in SERVICE_NAMES})  # fmt: skip
    load_before, cpu_before = os.getloadavg()[0], time.process_time()
    parts_before = cpu_by_part(stack)
    try:
        async with producer(stack.bootstrap_servers) as kafka:
            began = time.perf_counter()

            async def publish() -> None:
                figures.published = await send_all(kafka, events)
                figures.publish_seconds = time.perf_counter() - began

            publishing = asyncio.create_task(publish())
            reported = began
            try:
                while not figures.complete and figures.seconds < budget:
                    await asyncio.sleep(POLL_SECONDS)
                    stack.fail_if_a_child_died()
                    if publishing.done():
                        publishing.result()  # raises what publishing raised
                    await watcher.poll(figures, time.perf_counter() - began)
                    figures.seconds = time.perf_counter() - began
                    figures.complete = figures.publish_seconds is not None and all(
                        stage.applied == stage.expected for stage in figures.stages.values()
                    )
                    if time.perf_counter() - reported >= REPORT_SECONDS:
                        reported = time.perf_counter()
                        say(progress_line(figures))
            finally:
                publishing.cancel()
            if not figures.complete:
                say(f"Timed out after {budget:.0f}s:\n{progress_line(figures)}")
    finally:
        figures.load_average = (load_before, os.getloadavg()[0])
        figures.bench_cpu_seconds = time.process_time() - cpu_before
        parts_after = cpu_by_part(stack)
        figures.cpu_seconds = {
            part: round(parts_after[part] - parts_before.get(part, 0.0), 2) for part in parts_after
        }
        figures.deadlocks_by_process = logs.lines_with(DEADLOCK)
        figures.one_at_a_time_by_process = logs.lines_with(ONE_AT_A_TIME)
        figures.deadlocks = sum(figures.deadlocks_by_process.values())
        figures.one_at_a_time = sum(figures.one_at_a_time_by_process.values())
        await watcher.dispose()


def progress_line(f: Figures) -> str:
    published = f"{f.published:,}" if f.publish_seconds is not None else "publishing"
    stages = "  ".join(f"{name} {s.applied:,}/{s.expected:,}" for name, s in f.stages.items())
    return f"  {f.seconds:6.1f}s  published {published}  {stages}"


# --------------------------------------------------------------------------- report


def table(f: Figures) -> str:
    r = f.rates

    def row(label: str, count: int, seconds: float | None, rate: float | None) -> str:
        s = f"{seconds:.2f}" if seconds is not None else "-"
        v = f"{rate:,.0f}" if rate is not None else "-"
        return f"  {label:<50}{count:>9,}{s:>10}{v:>12}"

    def ratio(value: float | None) -> str:
        return f"{value:.2%}" if value is not None else "-"

    def stage(name: str, s: Stage) -> str:
        service, topic = name.split(".", 1)
        label = f"   {service} <- {topic} (of {s.expected:,})"
        return row(label, s.applied, s.seconds, s.applied / s.seconds if s.seconds else None)

    before, after = f.load_average
    status = "complete" if f.complete else f"INCOMPLETE: timed out after {f.seconds:.0f}s"
    applied = f.applied(CONTACTS.name) + f.applied(ANALYTICS.name)
    return "\n".join(
        [
            f"Pipeline benchmark: {f.events:,} events, seed {f.seed}, book of {f.start}, "
            f"{f.masters} masters x {f.clients_per_master} clients, "
            f"avg message {f.message_bytes:.0f} B (key + value)",
            f"Machine: {f.nproc} cores (nproc), Python {f.python}, {f.platform}",
            f"Load: 1-minute average {before:.1f} before and {after:.1f} after end to end; "
            f"this process used {f.bench_cpu_seconds:.1f} CPU s meanwhile (publish + polling)",
            f"Broker: {f.broker} · PostgreSQL: {f.database}",
            "",
            f"  {'':<50}{'events':>9}{'seconds':>10}{'per second':>12}",
            row(f"1. end to end ({status})", f.events, f.seconds, r["end_to_end_per_second"]),
            row("   publish (simulator send_all)", f.published, f.publish_seconds,
                r["publish_per_second"]),
            row("   applied (contacts + analytics inbox rows)", applied, f.seconds,
                r["applied_per_second"]),
            *(stage(name, s) for name, s in f.stages.items()),
            row("2. raw aiokafka produce", f.events, f.raw_produce_seconds,
                r["raw_produce_per_second"]),
            row("3. raw aiokafka consume", f.events, f.raw_consume_seconds,
                r["raw_consume_per_second"]),
            *cpu_lines(f),
            *replica_lines(f),
            "",
            f"  end to end / raw produce: {ratio(r['end_to_end_over_raw_produce'])}"
            f"   end to end / raw consume: {ratio(r['end_to_end_over_raw_consume'])}",
            "  (a stage's seconds: when it had applied everything it had been given, last time)",
        ]
    )  # fmt: skip


def cpu_lines(f: Figures) -> list[str]:
    """The CPU each part used during end to end, in all and per published event."""
    if not f.cpu_seconds:
        return []
    busiest = sorted(f.cpu_seconds.items(), key=lambda item: -item[1])
    total = sum(f.cpu_seconds.values())
    return [
        "",
        f"  CPU during end to end: {total:.1f} s in all, "
        f"{total * 1000 / f.events:.2f} ms per published event",
        "   " + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in busiest),
    ]


def replica_lines(f: Figures) -> list[str]:
    """The CPU of each process of a replicated service, and what the services' logs tell."""
    lines = [
        f"  {name}: {count} processes, CPU "
        + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in f.cpu_seconds.items()
                    if service_of(part) == name)
        for name, count in f.replicas.items()
    ]  # fmt: skip
    return [
        "",
        *lines,
        f"  Services' logs during end to end: {f.deadlocks} deadlocks"
        f"{by_process(f.deadlocks_by_process)}, {f.one_at_a_time} batches applied one event "
        f"at a time{by_process(f.one_at_a_time_by_process)}",
    ]


def by_process(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{name} {count}' for name, count in counts.items())})" if counts else ""


# --------------------------------------------------------------------------- command line


def replica_count(text: str) -> tuple[str, int]:
    """``contacts=2``: a service and how many processes of it run."""
    name, _, count = text.partition("=")
    if name not in SERVICE_NAMES or not count.isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(
            f"expected SERVICE=N with N >= 1 and SERVICE one of {', '.join(SERVICE_NAMES)}"
        )
    return name, int(count)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--events", type=int, default=20_000, metavar="N", help="events to publish: %(default)s")
    add("--seed", type=int, default=7, help="the simulator's seed: %(default)s")
    add("--start", type=date.fromisoformat, default=START, metavar="DATE",
        help="the simulated book's today: %(default)s")  # fmt: skip
    add("--clients", type=int, default=120, help="opening-book clients per master: %(default)s")
    add("--timeout", type=float, default=600, metavar="SECONDS",
        help="how long to wait for the end-to-end apply: %(default)s")  # fmt: skip
    add("--json", action="store_true", help="print the figures as JSON")
    add("--profile", type=Path, metavar="DIR",
        help="run every service under cProfile; each writes DIR/<service>-<pid>.prof and .txt "
             "when the stack stops (the figures are then slower, the shares still tell)")  # fmt: skip
    add("--replicas", type=replica_count, action="append", default=[], metavar="SERVICE=N",
        help="run N processes of the service, sharing its consumer groups (repeatable)")  # fmt: skip
    return parser.parse_args(argv)


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt


async def _measure(
    stack: Stack, events: list[SimulatedEvent], figures: Figures, budget: float
) -> None:
    messages: list[Message] = [(e.key, e.value, e.headers) for e in events]
    figures.message_bytes = sum(len(k or b"") + len(v) for k, v, _ in messages) / len(messages)
    say("Raw aiokafka produce and consume…")
    await raw_rates(stack.bootstrap_servers, messages, figures)
    say("End to end: publishing and waiting for contacts and analytics…")
    await end_to_end(stack, events, figures, budget)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    masters = [m.master_account_id for m in DEMO_MASTERS]
    config = StackConfig(
        portal_port=0,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        database_prefix=f"bench_{uuid.uuid4().hex[:8]}_",
        simulator=False,
        demo_users=False,
        extra_env={"PROFILE_DIR": str(args.profile.resolve())} if args.profile else {},
    )
    figures = Figures(
        events=args.events,
        seed=args.seed,
        start=args.start.isoformat(),
        clients_per_master=args.clients,
        masters=len(masters),
        nproc=os.cpu_count() or 0,
        python=platform.python_version(),
        broker=config.kafka_bootstrap_servers or "embedded (Tansu)",
        database="external" if config.database_url else "embedded",
        replicas={name: count for name, count in args.replicas if count > 1},
    )
    stack = Stack(config)
    try:
        say(f"Generating {args.events:,} events…")
        events = BackOffice(masters, args.clients, seed=args.seed, start=args.start).take(
            args.events
        )
        say(f"Starting the stack (logs in {stack.logs})…")
        stack.start()
        for name, count in figures.replicas.items():
            say(f"Starting {name} up to {count} processes…")
            stack.add_replicas(name, count - 1)
        if figures.replicas:
            # the new members' joins rebalance the groups; a join ends within a session timeout
            time.sleep(SESSION_TIMEOUT_MS / 1000)
        asyncio.run(_measure(stack, events, figures, args.timeout))
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # stopping is not to be interrupted
            signal.signal(signum, signal.SIG_IGN)
        say("Stopping the stack…")
        stack.stop()
        if config.database_url:
            asyncio.run(_drop_databases(stack))
    print(
        json.dumps({**asdict(figures), **figures.rates}, indent=2) if args.json else table(figures)
    )
    if args.profile:
        say(f"Profiles of the services: {args.profile}")
    return 0 if figures.complete else 1


async def _drop_databases(stack: Stack) -> None:
    """On a real server, remove this run's databases (their names carry the unique prefix)."""
    engine = create_async_engine(async_database_url(stack.server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as db:
            for owner in (*SERVICE_NAMES, "gateway"):
                name = f"{stack.config.database_prefix}{owner}"
                await db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    except Exception as error:
        say(f"Could not drop the bench databases: {error!r}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
