"""The outbox: an effect committed is published even if the process dies before publishing,
and a publish repeated after a crash has no second effect."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from contracts import topics
from services.contacts.domain.contact import Contact
from services.contacts.service_layer.contacts import add_contact
from services.contacts.service_layer.unit_of_work import SqlContactsUnitOfWork
from services.runtime import migrations
from services.runtime.db import Database, ensure_database
from services.runtime.outbox import OutboxRelay
from services.runtime.service import kafka_publisher
from tests.integration.conftest import RunningService, a_master, eventually, read_topic

KILLED_AFTER_COMMIT = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from services.contacts.domain.contact import Contact
    from services.contacts.service_layer.contacts import add_contact
    from services.contacts.service_layer.unit_of_work import SqlContactsUnitOfWork
    from services.runtime.db import Database

    async def main() -> None:
        database = Database(sys.argv[1], unit_of_work=SqlContactsUnitOfWork)
        contact = Contact(master_account_id=sys.argv[2], first_name="Killed", last_name="Mid-Flight")
        async with database.unit_of_work() as uow:
            await add_contact(uow, contact, changed_by="test")
            await uow.commit()
        print(contact.id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # dies between the commit and any publish

    asyncio.run(main())
    """
)


async def statistics(service: RunningService, master: str) -> dict[str, int]:
    response = await service.http.get("/statistics/contacts", headers=service.as_master(master))
    response.raise_for_status()
    body: dict[str, int] = response.json()
    return body


async def test_a_process_killed_between_commit_and_publish_loses_nothing(
    contacts_service: RunningService, analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    child = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", KILLED_AFTER_COMMIT, contacts_service.database_url, master],
        capture_output=True, text=True, env=os.environ, timeout=60,
    )  # fmt: skip
    assert child.returncode == -9, child.stderr
    contact_id = child.stdout.strip()

    # The surviving replica's relay publishes the committed event; analytics applies it once.
    await eventually(lambda: _total_is(analytics_service, master, 1))
    created = [m for m in await read_topic(kafka_bootstrap, topics.CONTACTS.name)
               if m["payload"]["contact"]["contact_id"] == contact_id]  # fmt: skip
    assert [m["type"] for m in created] == ["contact.created"]


async def _total_is(service: RunningService, master: str, total: int) -> bool:
    return (await statistics(service, master))["total"] == total


async def test_a_publish_repeated_after_a_crash_has_one_effect(
    contacts_service: RunningService, analytics_service: RunningService,
    kafka_bootstrap: str, new_database_url: str,
) -> None:  # fmt: skip
    master = a_master()
    await ensure_database(new_database_url)
    await migrations.upgrade("contacts", new_database_url)
    database = Database(new_database_url, unit_of_work=SqlContactsUnitOfWork)
    broker = contacts_service.app.state.context.broker
    contact = Contact(master_account_id=master, first_name="Twice", last_name="Sent")
    async with database.unit_of_work() as uow:
        await add_contact(uow, contact, changed_by="test")
        await uow.commit()

    async def publish_then_crash(body: bytes, *, topic: str, key: bytes | None,
                                 headers: dict[str, str]) -> None:  # fmt: skip
        await broker.publish(body, topic=topic, key=key, headers=headers)
        raise ConnectionResetError("crashed before marking the row published")

    crashing = OutboxRelay(database.engine, publish_then_crash, wake_up=database.outbox_signal)
    with pytest.raises(ConnectionResetError):
        await crashing.relay_once()
    restarted = OutboxRelay(
        database.engine, kafka_publisher(broker), wake_up=database.outbox_signal
    )
    assert await restarted.relay_once() == 1, "the row was still unpublished, so it goes again"
    assert await restarted.relay_once() == 0
    await database.dispose()

    await eventually(lambda: _total_is(analytics_service, master, 1))
    copies = [m for m in await read_topic(kafka_bootstrap, topics.CONTACTS.name)
              if m["payload"]["contact"]["contact_id"] == str(contact.id)]  # fmt: skip
    assert len(copies) == 2 and len({m["event_id"] for m in copies}) == 1
    assert (await statistics(analytics_service, master))["total"] == 1, "one effect"
