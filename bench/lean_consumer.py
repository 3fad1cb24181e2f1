"""The lean reference of the event pipeline (P1): what one plain Python process applies of the
pipeline benchmark's events, with no framework between aiokafka and asyncpg.

    python -m bench.lean_consumer [--events N] [--seed S] [--start DATE] [--clients C]
                                  [--batch B] [--timeout SECONDS] [--json]

On one broker and one PostgreSQL (embedded, unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
real ones) it migrates a fresh database with the contacts service's own schema (the same tables
and indexes), measures raw aiokafka produce on a fresh topic, then starts the lean consumer as a
process of its own (as the contacts service is one) on fresh copies of the topics contacts reads,
and publishes the same N back-office events as ``bench.pipeline`` (same seed and book) with the
simulator's ``send_records``. The clock runs from the start of publishing until the consumer has
applied every event contacts has a handler for: the pipeline's end-to-end figure, measured the
same way, without the services.

The consumer is the minimum that does the same kinds of work per batch (up to ``--batch``
records of one ``getmany``): skip the types it has no handler for by their ``event-type``
header, decode the rest with one small pydantic model, claim them in the inbox with one
statement, then one ``unnest`` statement per kind of event (applications as one
``INSERT … ON CONFLICT DO UPDATE``, openings, closings and reopenings as one ``UPDATE``, net
asset values as one ``UPDATE``; the last event of an account in the batch wins), one statement
for the history rows and one for the outbox rows (a contact event per change), one database
commit and then one Kafka offset commit. It does not continue invited prospects by email, and
builds the outbox envelopes in SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel, ConfigDict

from bench.local import RAW_PARTITIONS, START, Message, infrastructure, raw_produce
from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from deploy.demo import DEMO_MASTERS
from deploy.infrastructure import database_url_for
from deploy.simulator import BackOffice, producer, send_records
from deploy.simulator_state import Record
from services.runtime import migrations
from services.runtime.consumers import MAX_RECORDS
from services.runtime.db import ensure_database

APPLICATION = ApplicationStatusChanged.model_fields["type"].default
NAV = NetAssetValueReported.model_fields["type"].default
STAGE_OF = {
    AccountOpened.model_fields["type"].default: ApplicationStage.OPEN.value,
    AccountClosed.model_fields["type"].default: ApplicationStage.CLOSED.value,
    AccountReopened.model_fields["type"].default: ApplicationStage.OPEN.value,
}
HANDLED = {APPLICATION.encode(), NAV.encode(), *(t.encode() for t in STAGE_OF)}
CONSUMED = (topics.ACCOUNT_LIFECYCLE.name, topics.ACCOUNT_VALUATIONS.name)
CLIENT_STAGES = ("open", "closed")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the consumer


class _Lean(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Applicant(_Lean):
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    username: str | None = None


class Payload(_Lean):
    account_number: str
    stage: str | None = None
    account_type: str | None = None
    applicant: Applicant | None = None
    pending_tasks: list[str] = []
    net_asset_value: Decimal | None = None


class Envelope(_Lean):
    event_id: UUID
    type: str
    occurred_at: datetime
    master_account_id: str
    payload: Payload


CLAIM = """
    INSERT INTO inbox (consumer, event_id) SELECT * FROM unnest($1::varchar[], $2::uuid[])
    ON CONFLICT DO NOTHING RETURNING event_id
"""
APPLICATIONS = f"""
    INSERT INTO contacts AS c (id, master_account_id, kind, title, first_name, last_name, email,
        phone, username, account_number, account_type, status, status_changed_at, closed,
        pending_tasks, version)
    SELECT gen_random_uuid(), v.master,
           CASE WHEN v.status IN {CLIENT_STAGES} THEN 'client' ELSE 'prospect' END,
           v.first || ' ' || v.last, v.first, v.last, v.email, v.phone, v.username, v.account,
           v.account_type, v.status, v.at, v.status = 'closed', v.tasks::jsonb, 1
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::timestamptz[],
                $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[], $10::varchar[],
                $11::text[])
         AS v(master, account, account_type, status, at, first, last, email, phone, username,
              tasks)
    ON CONFLICT ON CONSTRAINT uq_contacts_master_account DO UPDATE SET
        status = EXCLUDED.status, status_changed_at = EXCLUDED.status_changed_at,
        account_type = EXCLUDED.account_type, closed = EXCLUDED.closed,
        kind = CASE WHEN EXCLUDED.kind = 'client' THEN 'client' ELSE c.kind END,
        pending_tasks = EXCLUDED.pending_tasks, version = c.version + 1, updated_at = now()
    WHERE c.status_changed_at IS NULL OR c.status_changed_at <= EXCLUDED.status_changed_at
"""  # noqa: S608 - constants only
STAGES = """
    UPDATE contacts c SET status = v.status, status_changed_at = v.at,
        closed = v.status = 'closed', kind = 'client', version = c.version + 1, updated_at = now()
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[])
         AS v(master, account, status, at)
    WHERE c.master_account_id = v.master AND c.account_number = v.account
      AND (c.status_changed_at IS NULL OR c.status_changed_at <= v.at)
"""
VALUES = """
    UPDATE contacts c SET net_asset_value = v.value
    FROM unnest($1::varchar[], $2::varchar[], $3::numeric[]) AS v(master, account, value)
    WHERE c.master_account_id = v.master AND c.account_number = v.account
"""
HISTORY = """
    INSERT INTO contact_changes (contact_id, master_account_id, changed_by, action, changes)
    SELECT c.id, v.master, 'back-office', v.action, v.changes::jsonb
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[]) WITH ORDINALITY
         AS v(master, account, action, changes, n)
    JOIN contacts c ON c.master_account_id = v.master AND c.account_number = v.account
    ORDER BY v.n
"""
OUTBOX = f"""
    INSERT INTO outbox (topic, key, envelope, headers)
    SELECT '{topics.CONTACTS.name}', c.id::text, jsonb_build_object(
        'event_id', gen_random_uuid(), 'type', v.type, 'schema_version', 1,
        'occurred_at', now(), 'master_account_id', v.master,
        'payload', jsonb_build_object('type', v.type, 'changed_by', 'back-office',
            'contact', jsonb_build_object('contact_id', c.id, 'version', c.version,
                'kind', c.kind, 'first_name', c.first_name, 'last_name', c.last_name,
                'account_number', c.account_number, 'status', c.status, 'closed', c.closed))),
        jsonb_build_object('event-type', v.type, 'content-type', 'application/json')
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[]) WITH ORDINALITY
         AS v(master, account, type, n)
    JOIN contacts c ON c.master_account_id = v.master AND c.account_number = v.account
    ORDER BY v.n
"""  # noqa: S608 - constants only


def columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as one list per column (the arrays an ``unnest`` takes)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


async def apply(db: asyncpg.Connection, consumer: str, events: Sequence[Envelope]) -> int:
    """One transaction for the batch; returns how many events it applied."""
    async with db.transaction():
        ids = [e.event_id for e in events]
        fresh = {row[0] for row in await db.fetch(CLAIM, [consumer] * len(ids), ids)}
        applications: dict[tuple[str, str], tuple[Any, ...]] = {}
        stages: dict[tuple[str, str], tuple[Any, ...]] = {}
        values: dict[tuple[str, str], tuple[Any, ...]] = {}
        history: list[tuple[Any, ...]] = []
        outbox: list[tuple[Any, ...]] = []
        applied = 0
        for e in events:
            if e.event_id not in fresh:
                continue
            fresh.discard(e.event_id)
            applied += 1
            p, key = e.payload, (e.master_account_id, e.payload.account_number)
            if e.type == NAV:
                values[key] = (*key, p.net_asset_value)
                continue
            if e.type == APPLICATION and p.applicant is not None:
                a = p.applicant
                applications[key] = (*key, p.account_type, p.stage, e.occurred_at, a.first_name,
                                     a.last_name, a.email, a.phone, a.username,
                                     json.dumps(p.pending_tasks))  # fmt: skip
                change = {"status": p.stage, "pending_tasks": p.pending_tasks}
            else:
                stages[key] = (*key, STAGE_OF[e.type], e.occurred_at)
                change = {"status": STAGE_OF[e.type]}
            history.append((*key, "changed", json.dumps(change)))
            outbox.append((*key, "contact.changed"))
        if applications:
            await db.execute(APPLICATIONS, *columns(list(applications.values()), 11))
        if stages:
            await db.execute(STAGES, *columns(list(stages.values()), 4))
        if values:
            await db.execute(VALUES, *columns(list(values.values()), 3))
        if history:
            await db.execute(HISTORY, *columns(history, 4))
            await db.execute(OUTBOX, *columns(outbox, 3))
    return applied


async def consume(args: argparse.Namespace) -> None:
    """The consumer process: ready once it holds every partition, done after ``expected``."""
    db = await asyncpg.connect(args.database)
    consumer = AIOKafkaConsumer(
        *args.topics.split(","), bootstrap_servers=args.bootstrap, group_id=args.group,
        auto_offset_reset="earliest", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        while len(consumer.assignment()) < RAW_PARTITIONS * len(args.topics.split(",")):
            await consumer.getmany(timeout_ms=100)  # joins the group; nothing is published yet
        print("ready", flush=True)
        cpu_at_start = _cpu_seconds()
        applied = batches = 0
        while applied < args.expected:
            polled = await consumer.getmany(timeout_ms=50, max_records=args.batch)
            events = [
                Envelope.model_validate_json(record.value)
                for records in polled.values()
                for record in records
                if dict(record.headers).get("event-type") in HANDLED
            ]
            if events:
                applied += await apply(db, args.group, events)
                batches += 1
            if polled:
                await consumer.commit()
        cpu = _cpu_seconds() - cpu_at_start
        print(json.dumps({"applied": applied, "batches": batches, "cpu_seconds": cpu}), flush=True)
    finally:
        await consumer.stop()
        await db.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- the measurement


@dataclass
class Figures:
    events: int
    seed: int
    handled: int
    batch: int
    nproc: int
    python: str
    broker: str
    database: str
    seconds: float = 0.0
    publish_seconds: float = 0.0
    consumer_cpu_seconds: float = 0.0
    batches: int = 0
    raw_produce_seconds: float = 0.0
    complete: bool = False
    load_average: float = 0.0

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.complete and self.seconds else 0.0

    @property
    def raw_produce_per_second(self) -> float:
        return self.events / self.raw_produce_seconds if self.raw_produce_seconds else 0.0


async def _create_topics(bootstrap: str, names: Sequence[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, RAW_PARTITIONS, replication_factor=1) for n in names]
        )
    finally:
        await admin.close()


async def _delete_topics(bootstrap: str, names: Sequence[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with contextlib.suppress(Exception):
            await admin.delete_topics(list(names))
    finally:
        await admin.close()


async def measure(args: argparse.Namespace) -> Figures:
    masters = [m.master_account_id for m in DEMO_MASTERS]
    say(f"Generating {args.events:,} events…")
    events = BackOffice(masters, args.clients, seed=args.seed, start=args.start).take(args.events)
    handled = sum(e.topic.name in CONSUMED and e.envelope.type.encode() in HANDLED for e in events)
    with infrastructure("lean-consumer") as infra:
        figures = Figures(
            events=len(events), seed=args.seed, handled=handled, batch=args.batch,
            nproc=os.cpu_count() or 0, python=platform.python_version(), broker=infra.broker,
            database=infra.database,
        )  # fmt: skip
        url = database_url_for(infra.server_url, f"bench_lean_{uuid.uuid4().hex[:8]}")
        await ensure_database(url)
        await migrations.upgrade("contacts", url)  # the contacts service's tables and indexes
        run = uuid.uuid4().hex[:8]
        copies = {name: f"bench.lean-{run}.{name}" for name in {e.topic.name for e in events}}
        raw_topic = f"bench.raw-{run}"
        await _create_topics(infra.bootstrap_servers, [*copies.values(), raw_topic])
        try:
            say("Raw aiokafka produce…")
            messages: list[Message] = [(e.key, e.value, e.headers) for e in events]
            figures.raw_produce_seconds = await raw_produce(
                infra.bootstrap_servers, raw_topic, messages
            )
            records = [Record(copies[e.topic.name], e.key, e.value, e.headers) for e in events]
            await _race(args, infra.bootstrap_servers, url, copies, records, figures)
        finally:
            await _delete_topics(infra.bootstrap_servers, [*copies.values(), raw_topic])
    return figures


async def _race(
    args: argparse.Namespace, bootstrap: str, url: str, copies: dict[str, str],
    records: list[Record], figures: Figures,
) -> None:  # fmt: skip
    consumed = ",".join(copies[name] for name in CONSUMED if name in copies)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.lean_consumer", "--consume", "--bootstrap", bootstrap,
        "--database", url.replace("postgresql+asyncpg://", "postgresql://"),
        "--topics", consumed, "--group", f"lean-{uuid.uuid4().hex[:8]}",
        "--expected", str(figures.handled), "--batch", str(args.batch),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    try:
        async with asyncio.timeout(60):
            ready = await child.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"the lean consumer did not start: {ready!r}")
        say("Publishing and applying…")
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        async with producer(bootstrap) as kafka:
            await send_records(kafka, records)
        figures.publish_seconds = time.perf_counter() - began
        async with asyncio.timeout(args.timeout):
            done = json.loads(await child.stdout.readline())
        figures.seconds = time.perf_counter() - began
        figures.complete = done["applied"] == figures.handled
        figures.batches = done["batches"]
        figures.consumer_cpu_seconds = done["cpu_seconds"]
        figures.load_average = max(load_before, os.getloadavg()[0])
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        await child.wait()


def table(f: Figures) -> str:
    rate = f.per_second
    ratio = rate / f.raw_produce_per_second if f.raw_produce_per_second else 0.0
    return "\n".join([
        f"Lean consumer (reference for P1): {f.events:,} events (seed {f.seed}), of which "
        f"{f.handled:,} handled, batches of up to {f.batch}",
        f"{f.nproc} cores, Python {f.python}, load {f.load_average:.1f}; broker {f.broker}, "
        f"PostgreSQL {f.database}",
        "",
        f"  {'':<44}{'events':>9}{'seconds':>10}{'per second':>12}",
        f"  {'published -> all handled events applied':<44}{f.events:>9,}{f.seconds:>10.2f}"
        f"{rate:>12,.0f}",
        f"  {'   publish (simulator send_records)':<44}{f.events:>9,}{f.publish_seconds:>10.2f}"
        f"{f.events / f.publish_seconds if f.publish_seconds else 0:>12,.0f}",
        f"  {'raw aiokafka produce':<44}{f.events:>9,}{f.raw_produce_seconds:>10.2f}"
        f"{f.raw_produce_per_second:>12,.0f}",
        "",
        f"  lean / raw produce: {ratio:.1%}   consumer CPU {f.consumer_cpu_seconds:.1f} s in "
        f"{f.batches:,} batches   {'complete' if f.complete else 'INCOMPLETE'}",
    ])  # fmt: skip


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lean_consumer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add = parser.add_argument
    add("--events", type=int, default=20_000)
    add("--seed", type=int, default=7)
    add("--start", type=date.fromisoformat, default=START)
    add("--clients", type=int, default=120)
    add("--batch", type=int, default=MAX_RECORDS, help="records per poll: %(default)s, as the "
        "services' consumers")  # fmt: skip
    add("--timeout", type=float, default=300)
    add("--json", action="store_true")
    # the consumer process (started by the measurement)
    add("--consume", action="store_true", help=argparse.SUPPRESS)
    add("--bootstrap", help=argparse.SUPPRESS)
    add("--database", help=argparse.SUPPRESS)
    add("--topics", help=argparse.SUPPRESS)
    add("--group", help=argparse.SUPPRESS)
    add("--expected", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.consume:
        asyncio.run(consume(args))
        return 0
    figures = asyncio.run(measure(args))
    if args.json:
        print(json.dumps({**asdict(figures), "per_second": figures.per_second,
                          "raw_produce_per_second": figures.raw_produce_per_second}, indent=2))  # fmt: skip
    else:
        print(table(figures))
    return 0 if figures.complete else 1


if __name__ == "__main__":
    sys.exit(main())
