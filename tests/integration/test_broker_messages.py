"""Sent By Broker on the real broker and PostgreSQL: a broker message about accounts of two
masters leaves one copy per master and is delivered once per recipient and channel, even when
the event comes again; email me the details (a captured mail with the attachment); an inquiry;
delete (404 after, the other master keeps its copy)."""

from __future__ import annotations

import email
import uuid
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import asyncpg
import pytest

from contracts import topics
from contracts.access import Access
from contracts.accounts import BrokerMessageIssued, Channel
from services.runtime.settings import LOCAL_INTERNAL_TOKEN
from tests.integration.conftest import a_master, eventually, publish, unique_database
from tests.integration.test_message_delivery import messaging, plain, scalar

pytestmark = pytest.mark.integration


def headers(master: str) -> dict[str, str]:
    return {"X-Master-Account-Id": master, "X-User-Id": "u-ada",
            "X-Internal-Token": LOCAL_INTERNAL_TOKEN, **Access.primary().to_headers()}  # fmt: skip


async def add_user_email(database_url: str, master: str) -> None:
    connection = await asyncpg.connect(plain(database_url))
    try:
        await connection.execute(
            "INSERT INTO master_users (user_id, master_account_id, display_name, email, active, "
            "changed_at) VALUES ('u-ada', $1, 'Ada', 'ada@example.com', true, now())",
            master,
        )
    finally:
        await connection.close()


async def seed_clients(database_url: str, master: str, prefix: str, n: int) -> list[str]:
    """n open client accounts of the master in messaging's read model."""
    accounts = [f"{prefix}{i:07d}" for i in range(n)]
    connection = await asyncpg.connect(plain(database_url))
    try:
        await connection.copy_records_to_table("clients", records=[
            (uuid.uuid4(), master, "client", f"First{i}", f"Last{i}", account,
             f"{account.lower()}@example.com", "approved", False, False, 1)
            for i, account in enumerate(accounts)
        ], columns=["contact_id", "master_account_id", "kind", "first_name", "last_name",
                    "account_number", "email", "status", "closed", "removed", "version"])  # fmt: skip
    finally:
        await connection.close()
    return accounts


def captured(mail_dir: Path) -> list[EmailMessage]:
    found = []
    for path in mail_dir.glob("*.eml"):
        with path.open("rb") as file:
            message = email.message_from_binary_file(file, policy=default)
            assert isinstance(message, EmailMessage)
            found.append(message)
    return found


async def test_one_copy_per_master_delivered_once_then_email_inquiry_delete(
    kafka_bootstrap: str, postgres_server: str, tmp_path: Path
) -> None:
    database_url = unique_database(postgres_server, "messaging")
    one, two = a_master(), a_master()
    async with messaging(kafka_bootstrap, database_url, tmp_path) as service:
        first = await seed_clients(database_url, one, "U", 3)
        second = await seed_clients(database_url, two, "V", 2)
        accounts = first + second
        event = BrokerMessageIssued(
            message_id=f"BM-{one}", message_type="statement_available",
            subject="Your statement is ready",
            template="Dear {client_name},\n\nYour statement for {period} is ready.",
            variables={a: {"period": "February 2026"} for a in accounts},
            recipient_accounts=[*accounts, "U9999999"],
            channels=[Channel.MESSAGE_CENTER, Channel.EMAIL],
        )  # fmt: skip
        await publish(kafka_bootstrap, topics.BROKER_MESSAGES.name, event, master=one)
        await publish(kafka_bootstrap, topics.BROKER_MESSAGES.name, event, master=one)  # again

        async def delivered() -> bool:
            done = await scalar(database_url, "SELECT count(*) FROM deliveries WHERE status IN "
                                "('sent', 'delivered')")  # fmt: skip
            return done == 2 * len(accounts)

        await eventually(delivered, within=60)
        copies = await scalar(database_url, "SELECT count(*) FROM broker_messages")
        assert copies == 2
        assert await scalar(database_url, "SELECT count(*) FROM messages") == 2
        assert await scalar(database_url, "SELECT count(*) FROM inbox_items") == len(accounts)
        inbox_text = await scalar(database_url, "SELECT text FROM inbox_items LIMIT 1")
        assert "February 2026" in inbox_text

        http, path = service.http, f"/broker-messages/{event.message_id}"
        listed = (await http.get("/broker-messages", headers=headers(one))).json()
        assert [(m["id"], m["recipient_count"]) for m in listed["items"]] == [(event.message_id, 3)]
        detail = (await http.get(path, headers=headers(one))).json()
        assert sorted(r["account_number"] for r in detail["recipients"]) == sorted(first)
        shown = await http.get(f"{path}/recipients/{first[0]}/rendered",
                               params={"channel": "E"}, headers=headers(one))  # fmt: skip
        assert shown.status_code == 200 and "February 2026" in shown.json()["text"]

        refused = await http.post(f"{path}/email-me", headers=headers(one))
        assert refused.status_code == 422, refused.text  # no address of record yet
        await add_user_email(database_url, one)
        before = len(captured(tmp_path))
        sent = await http.post(f"{path}/email-me", headers=headers(one))
        assert sent.status_code == 200, sent.text
        mails = [m for m in captured(tmp_path) if m["To"] and "ada@example.com" in m["To"]]
        assert len(captured(tmp_path)) == before + 1 and len(mails) == 1
        (attachment,) = list(mails[0].iter_attachments())
        assert attachment.get_content_type() == "text/csv"
        assert first[0] in attachment.get_content()

        inquiry = await http.post(f"{path}/inquiries", json={"text": "Why was this sent?"},
                                  headers=headers(one))  # fmt: skip
        assert inquiry.status_code == 201, inquiry.text
        inquiries = (await http.get(f"{path}/inquiries", headers=headers(one))).json()
        assert [i["status"] for i in inquiries] == ["open"]

        assert (await http.delete(path, headers=headers(one))).status_code == 204
        assert (await http.get(path, headers=headers(one))).status_code == 404
        assert (await http.get("/broker-messages", headers=headers(one))).json()["total"] == 0
        assert (await http.get(path, headers=headers(two))).status_code == 200


async def test_a_copy_flagged_for_review_waits_for_staging_then_goes_out_once(
    kafka_bootstrap: str, postgres_server: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from contracts.staging import BrokerMessageHeld, BrokerMessageReleased, ReleaseReason

    database_url = unique_database(postgres_server, "messaging")
    master = a_master()
    async with messaging(kafka_bootstrap, database_url, tmp_path):
        accounts = await seed_clients(database_url, master, "W", 3)
        await add_user_email(database_url, master)
        event = BrokerMessageIssued(
            message_id=f"BR-{master}", message_type="margin_notice", subject="Margin call",
            template="Dear {client_name}, please act.", recipient_accounts=accounts,
            channels=[Channel.MESSAGE_CENTER], review_required=True,
        )  # fmt: skip
        now = datetime.now(UTC)
        held = BrokerMessageHeld(
            master_account_id=master, message_id=event.message_id, message_type="margin_notice",
            subject="Margin call", channels=[Channel.MESSAGE_CENTER], recipient_count=3,
            deadline=now + timedelta(days=2), held_at=now,
        )  # fmt: skip
        await publish(kafka_bootstrap, topics.BROKER_MESSAGES.name, event, master=master)
        await publish(kafka_bootstrap, topics.STAGING.name, held, master=master)
        await eventually(lambda: scalar(database_url, "SELECT count(*) FROM staging_outcomes"))
        await eventually(lambda: scalar(database_url, "SELECT count(*) FROM broker_messages"))
        assert await scalar(database_url, "SELECT count(*) FROM messages") == 0
        # the user has no rights announced in this read model: no notice (rights decide)
        assert await scalar(database_url, "SELECT count(*) FROM user_notices") == 0

        release = BrokerMessageReleased(
            master_account_id=master, message_id=event.message_id,
            reason=ReleaseReason.DEADLINE, released_at=now + timedelta(days=2),
        )  # fmt: skip
        for _ in range(2):  # and once more, as after a crash of staging's relay
            await publish(kafka_bootstrap, topics.STAGING.name, release, master=master)

        async def delivered() -> bool:
            return await scalar(database_url, "SELECT count(*) FROM deliveries") == 3

        await eventually(delivered, within=60)
        assert await scalar(database_url, "SELECT count(*) FROM messages") == 1
        assert await scalar(database_url, "SELECT count(*) FROM inbox_items") == 3
