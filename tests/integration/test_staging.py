"""Message staging on the real broker and PostgreSQL, with a frozen clock moved by hand (never a
sleep to wait for a deadline): a New York master enables staging, which takes effect at the next
local midnight; a broker message flagged for review before it is released at once, one after it
is held with a deadline two local days on — across the autumn DST change, so 49 hours — and
released exactly once when the clock passes it; a late decision is refused (409). Two replicas
racing over the same due holds release each once; a process SIGKILLed in the middle of a release
leaves nothing half done and the restart releases each once (one outbox row each: the relay,
tested on its own, publishes each row once)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from contracts import topics
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.envelope import Envelope
from contracts.users import MasterChanged
from services.runtime import migrations
from services.runtime.clock import FrozenClock
from services.runtime.db import Database, ensure_database
from services.staging.app import DEFINITION, create_app
from services.staging.service_layer.release import DeadlineRelease
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork
from services.staging.settings import StagingSettings
from tests.integration.conftest import (
    GROUP_PREFIX,
    RunningService,
    a_master,
    eventually,
    publish,
    read_topic,
    unique_database,
)

pytestmark = pytest.mark.integration

# Friday 2026-10-30 09:00 in New York (EDT); clocks go back on Sunday 2026-11-01
FRIDAY = datetime(2026, 10, 30, 13, 0, tzinfo=UTC)


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def staging(kafka: str, database_url: str, clock: FrozenClock,
                  **overrides: Any) -> AsyncIterator[RunningService]:  # fmt: skip
    settings = DEFINITION.load_settings(
        database_url=database_url, kafka_bootstrap_servers=kafka, outbox_poll_seconds=0.2,
        kafka_group_prefix=GROUP_PREFIX, staging_release_poll_seconds=0.2, **overrides,
    )  # fmt: skip
    assert isinstance(settings, StagingSettings)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            yield RunningService(app, http, database_url)


async def fetch(database_url: str, query: str, *args: Any) -> list[Any]:
    connection = await asyncpg.connect(plain(database_url))
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def migrated(postgres_server: str) -> str:
    """A new staging database at the newest revision (no service running on it)."""
    database_url = unique_database(postgres_server, "staging")
    await ensure_database(database_url)
    await migrations.upgrade("staging", database_url)
    return database_url


async def seed_holds(database_url: str, master: str, n: int, deadline: datetime) -> None:
    """n held messages of the master whose deadline is ``deadline``."""
    connection = await asyncpg.connect(plain(database_url))
    try:
        await connection.copy_records_to_table("holds", records=[
            (master, f"BM-{master}-{i}", "fee_schedule_change", "Subject", ["W"], ["U0000001"],
             deadline - timedelta(days=2), deadline, "held") for i in range(n)
        ], columns=["master_account_id", "message_id", "message_type", "subject", "channels",
                    "accounts", "received_at", "deadline", "status"])  # fmt: skip
    finally:
        await connection.close()


async def staging_events(kafka: str, master: str) -> list[dict[str, Any]]:
    return [m for m in await read_topic(kafka, topics.STAGING.name)
            if m["master_account_id"] == master]  # fmt: skip


async def test_enable_before_and_after_the_cutover_hold_and_release_once_across_dst(
    kafka_bootstrap: str, postgres_server: str
) -> None:
    master, account = a_master(), f"N{uuid.uuid4().int % 10**7:07d}"
    database_url = unique_database(postgres_server, "staging")
    clock = FrozenClock(FRIDAY - timedelta(days=1))
    async with staging(kafka_bootstrap, database_url, clock) as service:
        headers = service.as_master(master, "u-ada")
        contact = ContactSnapshot(contact_id=uuid.uuid4(), version=1, kind=ContactKind.CLIENT,
                                  first_name="Grace", last_name="Hopper", account_number=account)  # fmt: skip
        await publish(kafka_bootstrap, topics.CONTACTS.name, ContactCreated(contact=contact),
                      master=master)  # fmt: skip
        await publish(kafka_bootstrap, topics.USERS.name,
                      MasterChanged(master_account_id=master, name="Hudson Advisors",
                                    time_zone="America/New_York", changed_at=clock.now()),
                      master=master)  # fmt: skip

        async def known() -> bool:
            rows = await fetch(database_url, "SELECT 1 FROM clients c, master_zones z WHERE "
                               "c.account_number = $1 AND z.master_account_id = $2", account, master)  # fmt: skip
            return bool(rows)

        await eventually(known, within=30)
        enabled = await service.http.put("/staging/election", json={"enabled": True},
                                         headers=headers)  # fmt: skip
        assert enabled.status_code == 200, enabled.text
        status = enabled.json()
        assert not status["enabled_now"] and status["time_zone"] == "America/New_York"
        effective = datetime.fromisoformat(status["pending"]["effective_at"])
        assert effective == datetime(2026, 10, 30, 4, 0, tzinfo=UTC)  # Friday 00:00 EDT

        def issued(message_id: str, at: datetime) -> Envelope[Any]:
            event = BrokerMessageIssued(
                message_id=message_id, message_type="fee_schedule_change", subject="Commissions",
                template="Dear {client_name}", recipient_accounts=[account],
                channels=[Channel.MESSAGE_CENTER, Channel.EMAIL], review_required=True,
            )  # fmt: skip
            return Envelope.wrap(event, master_account_id=master, occurred_at=at)

        early, late = f"BM-{master}-early", f"BM-{master}-late"
        for message_id, at in ((early, effective - timedelta(minutes=5)), (late, FRIDAY)):
            envelope = issued(message_id, at)
            await publish(kafka_bootstrap, topics.BROKER_MESSAGES.name, envelope.payload,
                          envelope=envelope)  # fmt: skip
            await publish(
                kafka_bootstrap,
                topics.BROKER_MESSAGES.name,
                envelope.payload,
                envelope=issued(message_id, at),
            )  # the broker sends it again

        async def outcomes() -> list[dict[str, Any]]:
            found = await staging_events(kafka_bootstrap, master)
            return found if len(found) >= 3 else []

        events = await eventually(outcomes, within=30)
        by_type = {(e["type"], e["payload"].get("message_id")): e["payload"] for e in events}
        assert by_type[("staging.message_released", early)]["reason"] == "not_staged"
        held = by_type[("staging.message_held", late)]
        deadline = datetime.fromisoformat(held["deadline"])
        assert deadline == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # Sunday 09:00 EST
        assert deadline - FRIDAY == timedelta(hours=49)

        clock.set(deadline - timedelta(seconds=1))
        release = service.app.state.deadline_release
        assert not await release.run_pass(service.app.state.context.database, clock)
        clock.set(deadline)
        await release.run_pass(service.app.state.context.database, clock)  # and the job's own

        async def released() -> list[dict[str, Any]]:
            found = [e for e in await staging_events(kafka_bootstrap, master)
                     if e["type"] == "staging.message_released"
                     and e["payload"]["message_id"] == late]  # fmt: skip
            return found

        (once,) = await eventually(released, within=15)
        assert (
            once["payload"]["reason"] == "deadline"
            and once["payload"]["decided_by_user_id"] is None
        )
        late_decision = await service.http.post(f"/staging/holds/{late}/decision",
                                                json={"decision": "send_as_is"}, headers=headers)  # fmt: skip
        assert late_decision.status_code == 409, late_decision.text
        assert "deadline" in late_decision.json()["detail"]
        detail = (await service.http.get(f"/staging/holds/{late}", headers=headers)).json()
        assert [h["action"] for h in detail["history"]] == ["held", "deadline"]
        assert detail["recipients"] == [{"account_number": account, "name": "Grace Hopper"}]
        assert (
            await service.http.get(f"/staging/holds/{early}", headers=headers)
        ).status_code == 404
        other = service.as_master(a_master(), "u-eve")
        assert (await service.http.get(f"/staging/holds/{late}", headers=other)).status_code == 404
        assert len(await released()) == 1


REPLICA = """
import asyncio, sys
from datetime import datetime
from services.runtime import migrations
from services.runtime.clock import FrozenClock
from services.runtime.db import Database, ensure_database
from services.runtime.db import Database
from services.staging.service_layer.release import DeadlineRelease
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork

async def main() -> None:
    database = Database(sys.argv[1], unit_of_work=SqlStagingUnitOfWork)
    clock = FrozenClock(datetime.fromisoformat(sys.argv[2]))
    release = DeadlineRelease(batch=int(sys.argv[3]), poll_seconds=0.05)
    print("ready", flush=True)
    sys.stdin.readline()  # both replicas start together
    while await release.run_pass(database, clock):
        pass

asyncio.run(main())
"""


async def test_two_replicas_release_each_due_hold_once(
    kafka_bootstrap: str, postgres_server: str
) -> None:
    master = a_master()
    database_url = await migrated(postgres_server)
    await seed_holds(database_url, master, 600, FRIDAY)
    moment = (FRIDAY + timedelta(seconds=1)).isoformat()
    replicas = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            REPLICA,
            database_url,
            moment,
            "25",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for replica in replicas:
        assert replica.stdout is not None and replica.stdin is not None
        assert (await replica.stdout.readline()).strip() == b"ready"
    for replica in replicas:
        assert replica.stdin is not None
        replica.stdin.write(b"go\n")
        await replica.stdin.drain()
    codes = await asyncio.wait_for(asyncio.gather(*(r.wait() for r in replicas)), 60)
    assert codes == [0, 0]
    rows = await fetch(database_url, "SELECT envelope->'payload'->>'message_id' AS id, count(*) AS n "
                       "FROM outbox WHERE topic = $1 GROUP BY 1", topics.STAGING.name)  # fmt: skip
    assert len(rows) == 600 and {r["n"] for r in rows} == {1}
    assert (await fetch(database_url, "SELECT count(*) AS n FROM holds WHERE status = 'held'"))[0][
        "n"
    ] == 0
    shares = await fetch(
        database_url,
        "SELECT count(DISTINCT date_trunc('milliseconds', created_at)) AS n FROM outbox",
    )
    assert shares[0]["n"] >= 2  # several transactions did the work


KILLED_RELEASE = """
import asyncio, os, signal, sys
from datetime import datetime
from services.runtime.db import Database
from services.staging.service_layer.arrivals import release_due
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork

async def main() -> None:
    database = Database(sys.argv[1], unit_of_work=SqlStagingUnitOfWork)
    async with database.unit_of_work() as uow:
        released = await release_due(uow, now=datetime.fromisoformat(sys.argv[2]), limit=10_000)
        print(released, flush=True)
        if sys.argv[3] == "after":
            await uow.commit()
        os.kill(os.getpid(), signal.SIGKILL)  # mid-release: the holds and the outbox rows written

asyncio.run(main())
"""


@pytest.mark.parametrize("killed", ["before", "after"])
async def test_a_release_killed_mid_way_releases_each_once_after_the_restart(
    kafka_bootstrap: str, postgres_server: str, killed: str
) -> None:
    master = a_master()
    database_url = await migrated(postgres_server)
    await seed_holds(database_url, master, 50, FRIDAY)
    moment = (FRIDAY + timedelta(minutes=1)).isoformat()
    process = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", KILLED_RELEASE, database_url, moment, killed],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )  # fmt: skip
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert process.stdout.strip() == "50"
    held = await fetch(database_url, "SELECT count(*) AS n FROM holds WHERE status = 'held'")
    assert held[0]["n"] == (50 if killed == "before" else 0)
    # the restart: the job's first pass releases what is still due, and only that
    database = Database(database_url, unit_of_work=SqlStagingUnitOfWork)
    try:
        release = DeadlineRelease(batch=500, poll_seconds=1)
        await release.run_pass(database, FrozenClock(FRIDAY + timedelta(minutes=2)))
    finally:
        await database.dispose()
    rows = await fetch(database_url, "SELECT envelope->'payload'->>'message_id' AS id, "
                       "envelope->'payload'->>'reason' AS reason FROM outbox WHERE topic = $1",
                       topics.STAGING.name)  # fmt: skip
    assert sorted(r["id"] for r in rows) == sorted(f"BM-{master}-{i}" for i in range(50))
    assert {r["reason"] for r in rows} == {"deadline"}
    assert (await fetch(database_url, "SELECT count(*) AS n FROM holds WHERE status = 'held'"))[0][
        "n"
    ] == 0
