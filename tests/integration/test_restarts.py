"""Restarts lose nothing: PostgreSQL's kept data directory survives a SIGKILL, and what the
outbox relayed to a broker that is gone goes again to the new one, applied once.
(docs/adr/0008-durable-embedded-stack.md)"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal

import asyncpg
import psutil
import pytest
from sqlalchemy import text

from contracts.envelope import Event
from deploy.data_dir import DataDir, StackAlreadyRunning
from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres
from services.runtime import migrations, outbox
from services.runtime.cluster import cluster_id
from services.runtime.db import Database, ensure_database
from tests.integration.conftest import (
    Book,
    RunningService,
    a_master,
    eventually,
    running,
    unique_database,
)
from tests.integration.test_outbox import statistics


class Pinged(Event):
    type: Literal["test.pinged"] = "test.pinged"
    key: str
    n: int

    def partition_key(self) -> str | None:
        return self.key


class Recorder:
    """A publisher that keeps what it was given, per broker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str | None, int]] = []

    async def __call__(
        self, body: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None:
        self.sent.append((key.decode() if key else None, json.loads(body)["payload"]["n"]))


def relay_to(database: Database[Any], broker: str | None, publish: Recorder) -> outbox.OutboxRelay:
    async def identify() -> str | None:
        return broker

    return outbox.OutboxRelay(
        database.engine, publish, wake_up=database.outbox_signal, broker=identify
    )


async def write(database: Database[Any], *events: Pinged) -> None:
    async with database.unit_of_work() as uow:
        for event in events:
            await uow.publish("test.pings", event, master_account_id="T0000001")
        await uow.commit()


async def test_a_new_broker_gets_again_what_was_published_to_the_old_one_in_order(
    new_database_url: str,
) -> None:
    await ensure_database(new_database_url)
    await migrations.upgrade("analytics", new_database_url)  # any service: each has an outbox
    database: Database[Any] = Database(new_database_url, pool_size=2)
    try:
        await write(database, Pinged(key="a", n=1), Pinged(key="b", n=2), Pinged(key="a", n=3))
        first = Recorder()
        old = relay_to(database, "cluster-old", first)
        assert await old.resend_to_new_broker() == 0
        assert await old.relay_once() == 3
        await write(database, Pinged(key="a", n=4))  # committed, not yet relayed at the stop

        fresh = Recorder()
        new = relay_to(database, "cluster-new", fresh)
        assert await new.resend_to_new_broker() == 3, "the three the old broker had"
        assert await new.relay_once() == 4
        assert [n for key, n in fresh.sent if key == "a"] == [1, 3, 4], "each key in its order"
        assert sorted(n for _, n in fresh.sent) == [1, 2, 3, 4]

        again = Recorder()
        same = relay_to(database, "cluster-new", again)  # a restart on a broker that kept its log
        assert await same.resend_to_new_broker() == 0
        assert await same.relay_once() == 0
        unknown = relay_to(database, None, again)  # a broker that reports no cluster id
        assert await unknown.resend_to_new_broker() == 0
        assert again.sent == []
    finally:
        await database.dispose()


async def test_the_embedded_broker_is_a_new_cluster_at_each_start() -> None:
    first, second = EmbeddedBroker().start(), EmbeddedBroker().start()
    try:
        ids = [await cluster_id(b.bootstrap_servers) for b in (first, second)]
        assert ids == [first.cluster_id, second.cluster_id]
        assert ids[0] != ids[1]
    finally:
        first.stop()
        second.stop()


async def test_events_relayed_but_not_applied_before_the_broker_went_are_applied_once(
    postgres_server: str,
) -> None:
    """Analytics applies a contact, stops; two more are relayed to the broker meanwhile; then the
    broker goes (memory-only: everything on it is lost) and both services start on a new one."""
    from services.analytics.app import DEFINITION as ANALYTICS
    from services.analytics.app import create_app as analytics_app
    from services.contacts.app import DEFINITION as CONTACTS
    from services.contacts.app import create_app as contacts_app

    contacts_db = unique_database(postgres_server, "contacts")
    analytics_db = unique_database(postgres_server, "analytics")
    master = a_master()
    broker = EmbeddedBroker().start()
    try:
        async with running(
            contacts_app, CONTACTS, broker.bootstrap_servers, contacts_db
        ) as contacts:
            book = Book(contacts, master)
            async with running(analytics_app, ANALYTICS, broker.bootstrap_servers,
                               analytics_db) as analytics:  # fmt: skip
                await book.contact("Applied", "Before")
                await eventually(lambda: _total_is(analytics, master, 1), within=30)
            await book.contact("Relayed", "Only")
            await book.contact("Also", "Relayed")
            await eventually(lambda: _all_relayed(contacts_db), within=30)
    finally:
        broker.stop()

    new_broker = EmbeddedBroker().start()
    try:
        async with (
            running(contacts_app, CONTACTS, new_broker.bootstrap_servers, contacts_db),
            running(analytics_app, ANALYTICS, new_broker.bootstrap_servers, analytics_db) as analytics,
        ):  # fmt: skip
            await eventually(lambda: _total_is(analytics, master, 3), within=60)
            await asyncio.sleep(2)  # anything counted twice would show by now
            assert (await statistics(analytics, master))["total"] == 3
    finally:
        new_broker.stop()


async def _total_is(service: RunningService, master: str, total: int) -> bool:
    return (await statistics(service, master))["total"] == total


async def _all_relayed(database_url: str) -> bool:
    database: Database[Any] = Database(database_url, pool_size=1)
    try:
        async with database.read() as session:
            waiting = await session.scalar(
                text("SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)")
            )
        return not waiting
    finally:
        await database.dispose()


HOLDER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    import asyncpg
    from deploy.infrastructure import EmbeddedPostgres

    async def insert(url: str) -> None:
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE kept (value text)")
        await connection.execute("INSERT INTO kept VALUES ('before the kill')")
        await connection.close()

    server = EmbeddedPostgres(Path(sys.argv[1]), keep=True).start()
    asyncio.run(insert(server.url))
    print(server.pid, flush=True)
    time.sleep(600)
    """
)


@pytest.mark.timeout(120)
def test_a_kept_postgres_data_directory_survives_a_sigkill_and_a_reused_pid(
    tmp_path: Path,
) -> None:
    """A launcher and its server are SIGKILLed; the pid in the lock file is then reused."""
    data = tmp_path / "postgres"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        postmaster = psutil.Process(int(holder.stdout.readline()))
        every = [postmaster, *postmaster.children(recursive=True), psutil.Process(holder.pid)]
        for process in every:
            os.kill(process.pid, signal.SIGKILL)
        psutil.wait_procs(every, timeout=10)
    finally:
        holder.kill()
        holder.wait()
    lock = data / "postmaster.pid"
    lines = lock.read_text().splitlines()
    lock.write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")  # now another process's

    again = EmbeddedPostgres(data, keep=True).start()
    try:
        assert again.pid != os.getpid()
        assert asyncio.run(_kept_rows(again.url)) == ["before the kill"]
    finally:
        again.stop()
    assert not lock.exists(), "stopped cleanly"
    assert (data / "PG_VERSION").exists(), "and kept"


async def _kept_rows(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        return [row["value"] for row in await connection.fetch("SELECT value FROM kept")]
    finally:
        await connection.close()


def test_a_data_directory_is_claimed_by_one_launcher_and_reset_only_when_nothing_runs(
    tmp_path: Path,
) -> None:
    data = DataDir(tmp_path / "data")
    other_launcher = subprocess.Popen(["sleep", "60"])
    leftover = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "stack.json").write_text(json.dumps({
            "launcher": {"pid": other_launcher.pid,
                         "started": psutil.Process(other_launcher.pid).create_time()},
            "processes": {"contacts": {"pid": leftover.pid,
                                       "started": psutil.Process(leftover.pid).create_time()}},
        }))  # fmt: skip
        with pytest.raises(StackAlreadyRunning, match=str(other_launcher.pid)):
            data.claim()
        with pytest.raises(StackAlreadyRunning, match="contacts"):
            data.reset()
        assert leftover.poll() is None

        other_launcher.kill()  # SIGKILLed: what it started runs on
        other_launcher.wait()
        data.claim()
        assert leftover.wait(15) is not None, "the next launcher ends the leftovers"
        with pytest.raises(StackAlreadyRunning, match="launcher"):
            data.reset()  # this process holds it now
        data.release()
        data.reset()
        assert not (tmp_path / "data").exists()
    finally:
        for process in (other_launcher, leftover):
            process.kill()
            process.wait()
