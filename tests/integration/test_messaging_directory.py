"""Messaging's directory on the real broker and PostgreSQL: contacts, groups, households and
users flow in as events; recipients resolve within the caller's scope with household folding;
a task coming due is one notice and one captured email even when delivered twice; the gateway's
operator command announces the users it creates through its outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest_asyncio
from sqlalchemy import select

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import ApplicationStage
from contracts.contacts import ContactClosed, ContactCreated, ContactKind, ContactSnapshot
from contracts.crm import GroupChanged, GroupVisibility, HouseholdChanged, TaskDue, TaskPriority
from contracts.envelope import Envelope
from contracts.users import UserChanged
from services.runtime.mail import CapturingTransport
from tests.integration.conftest import (
    RunningService,
    a_master,
    eventually,
    publish,
    running,
    unique_database,
)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def messaging(kafka_bootstrap: str, postgres_server: str) -> AsyncIterator[RunningService]:
    from services.messaging.app import DEFINITION, create_app

    def with_fast_reminders(settings: Any) -> Any:
        return create_app(settings.model_copy(update={"reminder_email_poll_seconds": 0.2}))

    async with running(with_fast_reminders, DEFINITION, kafka_bootstrap,
                       unique_database(postgres_server, "messaging")) as service:  # fmt: skip
        yield service


def client(account: str, last: str, *, version: int = 1) -> ContactSnapshot:
    return ContactSnapshot(contact_id=uuid4(), version=version, kind=ContactKind.CLIENT,
                           first_name="Ann", last_name=last, account_number=account,
                           email=f"{account.lower()}@x.test", status=ApplicationStage.OPEN)  # fmt: skip


def communicator(
    *, accounts: frozenset[str] = frozenset(), groups: frozenset[UUID] = frozenset()
) -> Access:
    scope = ClientScope(all_clients=False, account_numbers=accounts, group_ids=groups)
    return Access(rights=frozenset({Right.COMMUNICATION_CENTER}), scope=scope)


async def test_recipients_resolve_within_scope_with_households_folded(
    messaging: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    suffix = master[-4:]
    head, spouse, child, loner, closed = (
        client(f"H{suffix}1", "Lovelace"), client(f"H{suffix}2", "Lovelace"),
        client(f"H{suffix}3", "Lovelace"), client(f"L{suffix}1", "Loner"), client(f"C{suffix}1", "Closed"),
    )  # fmt: skip
    for snapshot in (head, spouse, child, loner, closed):
        await publish(
            kafka_bootstrap, topics.CONTACTS.name, ContactCreated(contact=snapshot), master=master
        )
    await publish(kafka_bootstrap, topics.CONTACTS.name,
                  ContactClosed(contact=closed.model_copy(update={"version": 2, "closed": True})),
                  master=master)  # fmt: skip
    golfers = uuid4()
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, GroupChanged(
        group_id=golfers, name="Golfers", visibility=GroupVisibility.PUBLIC, owner_user_id="u-1",
        member_contact_ids=[spouse.contact_id, loner.contact_id, closed.contact_id], version=1,
    ), master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, HouseholdChanged(
        household_id=uuid4(), name="Lovelace family", head_contact_id=head.contact_id,
        member_contact_ids=[head.contact_id, spouse.contact_id, child.contact_id], version=1,
    ), master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.USERS.name, UserChanged(
        user_id=f"u-{suffix}", master_account_id=master, display_name="Alice Advisor",
        email="alice@x.test", active=True, is_primary=True, changed_at=datetime.now(UTC),
    ), master=master)  # fmt: skip

    primary = messaging.as_master(master, "u-1")

    async def groups() -> Any:
        response = await messaging.http.get("/recipient-groups", headers=primary)
        body = response.json()
        return (
            body if response.status_code == 200 and body and body[0]["open_clients"] == 2 else None
        )

    assert [g["name"] for g in await eventually(groups)] == ["Golfers"]

    async def resolved(headers: dict[str, str], **selection: Any) -> Any:
        response = await messaging.http.post("/recipients/resolve", headers=headers, json=selection)
        return response

    async def four_open() -> Any:
        page = (await messaging.http.get("/recipients", headers=primary)).json()
        return page if page.get("total") == 4 else None

    await eventually(four_open)
    folded = (await resolved(primary, group_ids=[str(golfers)], per_household=True)).json()
    assert [(r["account_number"], r["folded_accounts"]) for r in folded["recipients"]] == [
        (loner.account_number, []), (head.account_number, [spouse.account_number]),
    ]  # fmt: skip
    refused = await resolved(primary, account_numbers=[closed.account_number])
    assert refused.status_code == 422 and closed.account_number in refused.text

    only_spouse = messaging.as_master(
        master, "u-2", communicator(accounts=frozenset({f"H{suffix}2"}))
    )
    alone = (
        await resolved(only_spouse, account_numbers=[spouse.account_number], per_household=True)
    ).json()
    assert [(r["account_number"], r["folded_accounts"]) for r in alone["recipients"]] == [
        (spouse.account_number, [])
    ], "the head is out of this user's scope: the member gets it"
    out = await resolved(only_spouse, account_numbers=[head.account_number])
    assert out.status_code == 422 and head.account_number in out.text
    search = (
        await messaging.http.get("/recipients", headers=only_spouse, params={"q": "love"})
    ).json()
    assert [r["account_number"] for r in search["items"]] == [spouse.account_number]

    async def signatures() -> Any:
        return (await messaging.http.get("/signatures", headers=primary)).json()

    assert [s["display_name"] for s in await eventually(signatures)] == ["Alice Advisor"]
    no_right = messaging.as_master(master, "u-3", Access(rights=frozenset({Right.CRM})))
    for path in ("/recipients", "/recipient-groups", "/signatures"):
        assert (await messaging.http.get(path, headers=no_right)).status_code == 403
    assert (await messaging.http.get("/notices", headers=no_right)).status_code == 200


async def test_a_task_due_is_one_notice_and_one_email_even_when_redelivered(
    messaging: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    user_id = f"u-{uuid4().hex[:8]}"
    await publish(kafka_bootstrap, topics.USERS.name, UserChanged(
        user_id=user_id, master_account_id=master, display_name="Bob", email=f"{user_id}@x.test",
        active=True, is_primary=False, email_reminders=True, changed_at=datetime.now(UTC),
    ), master=master)  # fmt: skip
    headers = messaging.as_master(master, user_id, communicator())

    async def known() -> Any:
        return (await messaging.http.get("/signatures", headers=messaging.as_master(master))).json()

    await eventually(known)
    event = TaskDue(task_id=uuid4(), contact_id=None, assignee_user_id=user_id, title="Call Ada",
                    priority=TaskPriority.NORMAL, due_at=datetime(2026, 1, 5, 9, tzinfo=UTC))  # fmt: skip
    envelope = Envelope.wrap(event, master_account_id=master)
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, event, envelope=envelope)
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, event, envelope=envelope)  # redelivered
    await publish(kafka_bootstrap, topics.CRM_RECORDS.name, event, master=master)  # published twice

    transport = messaging.app.state.reminder_mailer.transport
    assert isinstance(transport, CapturingTransport)

    def mine() -> list[Any]:
        return [m for m in transport.messages if m["To"] == f"{user_id}@x.test"]

    async def emailed() -> Any:
        body = (await messaging.http.get("/notices", headers=headers)).json()
        return body if body["items"] and body["items"][0]["emailed"] and mine() else None

    notices = await eventually(emailed)
    assert (len(notices["items"]), notices["unread"]) == (1, 1)
    other = messaging.as_master(master, "someone-else")
    notice_id = notices["items"][0]["id"]
    assert (
        await messaging.http.post(f"/notices/{notice_id}/read", headers=other)
    ).status_code == 404
    read = await messaging.http.post(f"/notices/{notice_id}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"]
    assert (await messaging.http.get("/notices", headers=headers)).json()["unread"] == 0
    assert len(mine()) == 1


async def test_the_operator_command_announces_the_user_through_the_gateways_outbox(
    postgres_server: str,
) -> None:
    from sqlalchemy import MetaData

    from gateway.admin import create_user
    from services.runtime.db import Database, UnitOfWork
    from services.runtime.outbox import define_table

    url = unique_database(postgres_server, "gateway")
    master = a_master()
    for _ in range(2):  # created, then announced again as it is
        await create_user(url, master_account_id=master, master_name="Harbor", username=f"ann{master}",
                          display_name="Ann", password="violet-harbour-tractor-47",
                          email="ann@x.test")  # fmt: skip
    outbox = define_table(MetaData())
    database: Database[UnitOfWork] = Database(url, pool_size=1)
    try:
        async with database.read() as session:
            rows = (await session.execute(select(outbox.c.topic, outbox.c.envelope))).all()
    finally:
        await database.dispose()
    assert [row.topic for row in rows] == [topics.USERS.name] * 4
    kinds = [row.envelope["payload"]["type"] for row in rows]
    assert kinds == ["gateway.master_changed", "gateway.user_changed"] * 2
    master_payload, payload = rows[0].envelope["payload"], rows[1].envelope["payload"]
    assert (master_payload["name"], master_payload["time_zone"]) == ("Harbor", "UTC")
    assert (payload["display_name"], payload["email"], payload["is_primary"]) == (
        "Ann", "ann@x.test", True,
    )  # fmt: skip
    assert "message_staging" in payload["rights"]  # a primary user holds every right
