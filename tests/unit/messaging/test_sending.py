"""Sending, fan-out and email delivery against a fake unit of work: idempotency, chunking,
exactly-once on replayed chunks, email retries with backoff, permanent failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import topics
from contracts.accounts import Channel
from contracts.api.messages import MessageSend
from contracts.api.recipients import RecipientSelection
from contracts.envelope import Envelope
from contracts.messaging import (
    BulletinsPosted,
    DeliveryBatch,
    DeliveryChanged,
    DeliveryStatus,
    MessageSent,
)
from services.messaging.domain.recipients import MasterUser, Recipient
from services.messaging.domain.templates import TemplateRefused
from services.messaging.service_layer import sending
from services.messaging.service_layer.email_delivery import send_due_emails
from services.messaging.service_layer.fanout import apply_delivery_batches
from services.runtime.caller import Caller
from services.runtime.clock import FrozenClock
from services.runtime.consumers import Delivery
from services.runtime.errors import Invalid
from services.runtime.mail import MailError
from tests.unit.messaging.fakes_messages import FakeMessagingUnitOfWork

MASTER = "T1234567"
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
CALLER = Caller(master_account_id=MASTER, user_id="u-ada")


def clients(n: int, *, email: bool = True) -> list[Recipient]:
    return [
        Recipient(
            contact_id=uuid4(),
            account_number=f"U{i:07d}",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            title=None,
            email=f"client{i}@example.com" if email else None,
        )
        for i in range(n)
    ]


@pytest.fixture
def book(monkeypatch: pytest.MonkeyPatch) -> list[Recipient]:
    """The recipients the selection resolves to (the resolver is another use case's)."""
    chosen: list[Recipient] = clients(3)

    async def resolve(uow: Any, caller: Caller, selection: RecipientSelection) -> list[Recipient]:
        return list(chosen)

    monkeypatch.setattr(sending, "resolve_recipients", resolve)
    return chosen


def command(
    channels: list[Channel] | None = None, body: str = "Dear {{ first_name }},\n\nHello."
) -> MessageSend:
    return MessageSend(subject="News for {{ client_name }}", body=body,
                       channels=channels or [Channel.MESSAGE_CENTER, Channel.EMAIL, Channel.BULLETIN],
                       recipients=RecipientSelection(account_numbers=["U0000000"], group_ids=[]))  # fmt: skip


async def send(uow: FakeMessagingUnitOfWork, key: str = "k-1", **kwargs: Any) -> tuple[Any, bool]:
    return await sending.send_message(uow.as_uow(), CALLER, command(**kwargs),
                                      idempotency_key=key, now=NOW)  # fmt: skip


def chunk_deliveries(uow: FakeMessagingUnitOfWork) -> list[Delivery[Any]]:
    return [
        Delivery(event, Envelope.wrap(event, master_account_id=MASTER, occurred_at=NOW))
        for event in uow.events(DeliveryBatch)
    ]


async def test_the_same_idempotency_key_returns_the_first_send(book: list[Recipient]) -> None:
    uow = FakeMessagingUnitOfWork()
    first, new = await send(uow)
    again, new_again = await send(uow)
    other, _ = await send(uow, key="k-2")
    assert new and not new_again
    assert again.id == first.id and other.id != first.id
    assert first.recipient_count == 3
    assert len(uow.events(MessageSent)) == 2, "one announcement per send, not per request"


async def test_recipients_are_frozen_and_fanned_out_in_chunks_of_500(
    book: list[Recipient],
) -> None:
    book[:] = clients(1201)
    uow = FakeMessagingUnitOfWork()
    message, _ = await send(uow)
    batches = uow.events(DeliveryBatch)
    assert [len(b.contact_ids) for b in batches] == [500, 500, 201]
    assert [b.chunk for b in batches] == [0, 1, 2]
    assert len({b.partition_key() for b in batches}) == 3, "chunks spread over partitions"
    assert {c for b in batches for c in b.contact_ids} == {r.contact_id for r in book}
    frozen = await uow.messages.recipients(message.id)
    assert len(frozen) == 1201 and frozen[0].variables["client_name"].startswith("First")
    [announced] = uow.events(MessageSent)
    assert announced.recipient_count == 1201 and announced.channels == list(message.channels)


async def test_replies_go_only_to_an_active_user_of_the_master(book: list[Recipient]) -> None:
    uow = FakeMessagingUnitOfWork()
    await uow.master_users.upsert([
        MasterUser("u1", MASTER, "Ada Advisor", "ada@harbor.example", True, False, NOW),
        MasterUser("u2", MASTER, "Gone Advisor", "gone@harbor.example", False, False, NOW),
    ])  # fmt: skip
    for refused in ("someone@elsewhere.example", "gone@harbor.example"):
        with pytest.raises(Invalid):
            await sending.send_message(uow.as_uow(), CALLER,
                                       command().model_copy(update={"reply_to": refused}),
                                       idempotency_key=refused, now=NOW)  # fmt: skip
    assert uow.published == []
    sent, _ = await sending.send_message(uow.as_uow(), CALLER,
                                         command().model_copy(update={"reply_to": "Ada@harbor.example"}),
                                         idempotency_key="ok", now=NOW)  # fmt: skip
    assert sent.reply_to == "Ada@harbor.example"


async def test_the_firms_name_fills_the_master_name_variable(book: list[Recipient]) -> None:
    uow = FakeMessagingUnitOfWork()
    named = command().model_copy(update={"master_name": "Harbor Wealth Advisors"})
    message, _ = await sending.send_message(uow.as_uow(), CALLER, named, idempotency_key="n",
                                            now=NOW)  # fmt: skip
    frozen = await uow.messages.recipients(message.id)
    assert {r.variables["master_name"] for r in frozen} == {"Harbor Wealth Advisors"}


async def test_a_refused_template_sends_nothing(book: list[Recipient]) -> None:
    uow = FakeMessagingUnitOfWork()
    with pytest.raises(TemplateRefused):
        await send(uow, body="Dear {{ unknown_variable }}")
    assert uow.published == [] and uow.messages.rows == {}


async def test_a_replayed_chunk_delivers_nothing_twice(book: list[Recipient]) -> None:
    uow = FakeMessagingUnitOfWork()
    _message, _ = await send(uow)
    chunks = chunk_deliveries(uow)
    await apply_delivery_batches(chunks, uow.as_uow())
    await apply_delivery_batches(chunks + chunks, uow.as_uow())  # redelivered, and by a twin
    assert len(uow.deliveries.rows) == 3 * 3
    assert len(uow.inbox.items) == 3
    [posted] = uow.events(BulletinsPosted)
    assert len(posted.bulletins) == 3, "one event for the chunk's bulletins"
    statuses = {(ch, row.status) for (_, _, ch), row in uow.deliveries.rows.items()}
    assert statuses == {(Channel.MESSAGE_CENTER, DeliveryStatus.DELIVERED),
                        (Channel.BULLETIN, DeliveryStatus.SENT),
                        (Channel.EMAIL, DeliveryStatus.QUEUED)}  # fmt: skip
    changes = uow.events(DeliveryChanged)
    assert {(c.channel, c.status, len(c.contact_ids)) for c in changes} == {
        (Channel.MESSAGE_CENTER, DeliveryStatus.DELIVERED, 3),
        (Channel.BULLETIN, DeliveryStatus.SENT, 3),
    }, "terminal statuses only, one event per chunk and channel"
    item = next(iter(uow.inbox.items.values()))
    assert item["subject"].startswith("News for First") and "<html" in item["html"]
    assert {b.account_number for b in posted.bulletins} == {r.account_number for r in book}
    assert (
        next(t for t, e in uow.published if isinstance(e, BulletinsPosted)) == topics.BULLETINS.name
    )


def test_bulletins_are_cut_into_parts_under_the_size_limit() -> None:
    from contracts.messaging import Bulletin
    from services.messaging.service_layer.fanout import parts_within

    bulletins = [Bulletin(contact_id=uuid4(), subject="s", text="x" * 1000) for _ in range(10)]
    parts = parts_within(bulletins, 3500)
    assert [len(p) for p in parts] == [3, 3, 3, 1]
    assert [b for p in parts for b in p] == bulletins
    assert [len(p) for p in parts_within(bulletins[:2], 10)] == [1, 1], "too big: alone"


async def test_a_recipient_without_email_fails_on_that_channel_only(
    book: list[Recipient],
) -> None:
    book[:] = clients(2, email=False)
    uow = FakeMessagingUnitOfWork()
    _message, _ = await send(uow)
    await apply_delivery_batches(chunk_deliveries(uow), uow.as_uow())
    emails = [r for (_, _, ch), r in uow.deliveries.rows.items() if ch is Channel.EMAIL]
    assert {(r.status, r.reason) for r in emails} == {
        (DeliveryStatus.FAILED, "no email address of record")
    }


class FlakyTransport:
    """Fails with the given errors in turn, then accepts."""

    def __init__(self, *failures: MailError) -> None:
        self.failures = list(failures)
        self.sent: list[EmailMessage] = []
        self.attempts = 0

    async def send(self, message: EmailMessage) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


async def fanned_out_email(book: list[Recipient]) -> tuple[FakeMessagingUnitOfWork, UUID]:
    book[:] = clients(1)
    uow = FakeMessagingUnitOfWork()
    message, _ = await send(uow, channels=[Channel.EMAIL])
    await apply_delivery_batches(chunk_deliveries(uow), uow.as_uow())
    return uow, message.id


async def test_a_transient_failure_is_retried_with_a_growing_wait(book: list[Recipient]) -> None:
    uow, message_id = await fanned_out_email(book)
    contact = book[0].contact_id
    transport = FlakyTransport(*[MailError("server replied 451", transient=True)] * 2)
    clock = FrozenClock(NOW)

    async def run_pass() -> int:
        return await send_due_emails(uow.as_uow(), transport, sender="Advisor <a@advisor.test>",
                                     now=clock.now(), first_retry=timedelta(seconds=30))  # fmt: skip

    assert await run_pass() == 1
    row = uow.deliveries.email(message_id, contact)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        DeliveryStatus.QUEUED, 1, NOW + timedelta(seconds=30))  # fmt: skip
    assert await run_pass() == 0, "not due yet"
    clock.advance(timedelta(seconds=30))
    assert await run_pass() == 1
    row = uow.deliveries.email(message_id, contact)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=60), "twice the first wait"
    clock.advance(timedelta(seconds=60))
    assert await run_pass() == 1
    assert uow.deliveries.status(message_id, contact, Channel.EMAIL) is DeliveryStatus.SENT
    [email] = transport.sent
    assert email["Message-ID"] == f"<message-{message_id}-{contact}@advisor.test>"
    assert email["To"].endswith("<client0@example.com>")
    assert email.get_body(("html",)) is not None and email.get_body(("plain",)) is not None
    sent = [c for c in uow.events(DeliveryChanged) if c.channel is Channel.EMAIL]
    assert [(c.status, c.attempt) for c in sent] == [(DeliveryStatus.SENT, 3)]


async def test_an_email_that_keeps_failing_ends_failed_with_its_reason(
    book: list[Recipient],
) -> None:
    uow, message_id = await fanned_out_email(book)
    transport = FlakyTransport(*[MailError("connection failed (OSError)", transient=True)] * 9)
    clock = FrozenClock(NOW)
    for _ in range(5):
        await send_due_emails(uow.as_uow(), transport, sender="a@advisor.test", now=clock.now(),
                              max_attempts=3, first_retry=timedelta(seconds=1))  # fmt: skip
        clock.advance(timedelta(hours=1))
    row = uow.deliveries.email(message_id, book[0].contact_id)
    assert (row.status, row.attempts, row.reason) == (
        DeliveryStatus.FAILED, 3, "connection failed (OSError)")  # fmt: skip
    assert transport.attempts == 3


async def test_a_permanent_failure_fails_at_once(book: list[Recipient]) -> None:
    uow, message_id = await fanned_out_email(book)
    transport = FlakyTransport(MailError("recipient refused (550)", transient=False))
    assert await send_due_emails(uow.as_uow(), transport, sender="a@advisor.test", now=NOW) == 1
    row = uow.deliveries.email(message_id, book[0].contact_id)
    assert (row.status, row.attempts, row.reason) == (
        DeliveryStatus.FAILED, 1, "recipient refused (550)")  # fmt: skip
    [failed] = [c for c in uow.events(DeliveryChanged) if c.channel is Channel.EMAIL]
    assert failed.reason == "recipient refused (550)"
    assert await send_due_emails(uow.as_uow(), transport, sender="a@advisor.test", now=NOW) == 0


async def test_a_row_another_sender_holds_is_skipped(book: list[Recipient]) -> None:
    uow, message_id = await fanned_out_email(book)
    uow.deliveries.locked.add((message_id, book[0].contact_id))
    transport = FlakyTransport()
    assert await send_due_emails(uow.as_uow(), transport, sender="a@advisor.test", now=NOW) == 0
    assert transport.sent == []


async def test_resend_goes_to_the_same_recipients_linked_to_the_first(
    book: list[Recipient],
) -> None:
    uow = FakeMessagingUnitOfWork()
    first, _ = await send(uow)
    again, new = await sending.resend_message(uow.as_uow(), CALLER, first.id,
                                              idempotency_key="r-1", now=NOW)  # fmt: skip
    assert new and again.resend_of == first.id and again.id != first.id
    assert {r.contact_id for r in await uow.messages.recipients(again.id)} == {
        r.contact_id for r in book
    }
    same, new_again = await sending.resend_message(uow.as_uow(), CALLER, first.id,
                                                   idempotency_key="r-1", now=NOW)  # fmt: skip
    assert same.id == again.id and not new_again


async def test_a_bounce_after_sending_marks_that_email_bounced_once(book: list[Recipient]) -> None:
    from contracts.mail import EmailBounced
    from services.messaging.service_layer.email_delivery import apply_bounces

    uow, message_id = await fanned_out_email(book)
    transport = FlakyTransport()
    await send_due_emails(uow.as_uow(), transport, sender="a@advisor.test", now=NOW)
    [email] = transport.sent

    def bounce(header: str) -> Delivery[Any]:
        event = EmailBounced(message_id_header=header, recipient="client0@example.com",
                             reason="550 5.1.1 mailbox unknown", bounced_at=NOW)  # fmt: skip
        return Delivery(event, Envelope.wrap(event, master_account_id=MASTER))

    stranger = "<someone-else@elsewhere.test>"
    await apply_bounces([bounce(email["Message-ID"]), bounce(stranger)], uow.as_uow())
    await apply_bounces([bounce(email["Message-ID"].upper())], uow.as_uow())  # a repeat
    row = uow.deliveries.email(message_id, book[0].contact_id)
    assert (row.status, row.reason) == (DeliveryStatus.BOUNCED, "550 5.1.1 mailbox unknown")
    bounced = [c for c in uow.events(DeliveryChanged) if c.status is DeliveryStatus.BOUNCED]
    assert [(c.contact_ids, c.reason) for c in bounced] == [
        ([book[0].contact_id], "550 5.1.1 mailbox unknown")
    ]
