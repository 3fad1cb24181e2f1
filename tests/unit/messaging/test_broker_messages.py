"""Sent By Broker against a fake unit of work: one copy per master (never per client), an
idempotent replay, review-required messages kept but not delivered, a refused template kept with
its reason, delivery exactly once per recipient and channel, the caller's scope, inquiries and
deletion."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.envelope import Envelope
from contracts.messaging import (
    BrokerInquiryCreated,
    BrokerMessageDeleted,
    DeliveryBatch,
    MessageOrigin,
    MessageSent,
)
from services.messaging.domain.broker_messages import broker_source
from services.messaging.domain.recipients import ClientState, MasterUser
from services.messaging.service_layer import broker_inquiries as inquiries
from services.messaging.service_layer import broker_messages as use
from services.messaging.service_layer.fanout import apply_delivery_batches
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Invalid, NotFound
from tests.unit.messaging.fakes_broker import FakeBrokerUnitOfWork

ONE, TWO = "F1000001", "F2000002"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEMPLATE = "Dear {client_name},\n\nYour statement for {period} is ready.\nKind regards"


def caller(master: str = ONE, *accounts: str) -> Caller:
    scope = ClientScope(all_clients=False, account_numbers=frozenset(accounts)) if accounts \
        else ClientScope.everything()  # fmt: skip
    return Caller(master, "u-ada", Access(rights=frozenset({Right.COMMUNICATION_CENTER}),
                                          scope=scope))  # fmt: skip


def issued(accounts: list[str], *, message_id: str = "BM-1", review: bool = False,
           template: str = TEMPLATE) -> Delivery[Any]:  # fmt: skip
    event = BrokerMessageIssued(
        message_id=message_id, message_type="statement_available", subject="Statement ready",
        template=template, recipient_accounts=accounts,
        variables={a: {"period": "February 2026", "client_name": f"Client {a}"} for a in accounts},
        channels=[Channel.MESSAGE_CENTER, Channel.EMAIL], review_required=review,
    )  # fmt: skip
    return Delivery(event, Envelope.wrap(event, master_account_id=ONE))


@pytest.fixture
async def uow() -> FakeBrokerUnitOfWork:
    uow = FakeBrokerUnitOfWork()
    rows = [(ONE, "U1000001"), (ONE, "U1000002"), (ONE, "U1000003"), (TWO, "U2000001")]
    await uow.clients.upsert([
        ClientState(uuid4(), master, 1, "client", "Ann", account[-1], None, account,
                    f"{account.lower()}@x.test", "open", False)
        for master, account in rows
    ])  # fmt: skip
    return uow


async def deliver_chunks(uow: FakeBrokerUnitOfWork) -> None:
    batches = uow.events(DeliveryBatch)
    await apply_delivery_batches(
        [Delivery(b, Envelope.wrap(b, master_account_id=b.master_account_id)) for b in batches],
        uow.as_uow(),
    )


def test_plain_text_template_becomes_paragraphs_with_variables() -> None:
    assert broker_source("A < 2 & {x}\n\nB\nC") == "<p>A &lt; 2 &amp; {{ x }}</p><p>B<br>C</p>"
    assert broker_source("<p>{x}</p>") == "<p>{{ x }}</p>"  # HTML is left to the sanitiser


async def test_one_copy_per_master_across_masters(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages(
        [issued(["U1000001", "U1000002", "U2000001", "U9999999"])], uow.as_uow()
    )
    copies = uow.broker_messages.copies
    assert set(copies) == {("BM-1", ONE), ("BM-1", TWO)}
    assert copies[("BM-1", ONE)].accounts == ["U1000001", "U1000002"]
    assert copies[("BM-1", TWO)].accounts == ["U2000001"]
    sent = uow.events(MessageSent)
    assert sorted((m.master_account_id, m.recipient_count) for m in sent) == [(ONE, 2), (TWO, 1)]
    assert {m.origin for m in sent} == {MessageOrigin.BROKER}


async def test_delivered_once_per_recipient_and_channel_with_broker_variables(
    uow: FakeBrokerUnitOfWork,
) -> None:
    await use.apply_broker_messages([issued(["U1000001", "U2000001"])], uow.as_uow())
    await use.apply_broker_messages([issued(["U1000001", "U2000001"])], uow.as_uow())  # replay
    assert len(uow.events(MessageSent)) == 2
    await deliver_chunks(uow)
    await deliver_chunks(uow)  # chunks replayed too
    assert len(uow.deliveries.rows) == 4  # two recipients x two channels
    texts = [item["text"] for item in uow.inbox.items.values()]
    assert sorted(texts)[0].startswith("Dear Client U1000001,\n\nYour statement for February 2026")


async def test_review_required_is_kept_but_not_delivered(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages([issued(["U1000001"], review=True)], uow.as_uow())
    copy = uow.broker_messages.copies[("BM-1", ONE)]
    assert copy.review_required and copy.delivered_message_id is None
    assert uow.published == []


async def test_refused_template_is_kept_with_its_reason(uow: FakeBrokerUnitOfWork) -> None:
    template = "Hello {{ client_name.__class__ }}"
    await use.apply_broker_messages([issued(["U1000001"], template=template)], uow.as_uow())
    copy = uow.broker_messages.copies[("BM-1", ONE)]
    assert copy.refused_reason and "attribute access" in copy.refused_reason
    assert uow.published == []
    with pytest.raises(Invalid):
        await use.rendered_for_account(uow.as_uow(), caller(), "BM-1", "U1000001",
                                       Channel.MESSAGE_CENTER)  # fmt: skip


async def test_scope_hides_messages_and_recipients(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages([issued(["U1000001", "U1000002"])], uow.as_uow())
    await use.apply_broker_messages([issued(["U1000003"], message_id="BM-2")], uow.as_uow())
    restricted = caller(ONE, "U1000002")
    page = await use.broker_message_page(uow.as_uow(), restricted, page=1)
    assert [(m.id, m.recipient_count) for m in page.items] == [("BM-1", 1)]
    detail = await use.broker_message_detail(uow.as_uow(), restricted, "BM-1")
    assert [r.account_number for r in detail.recipients] == ["U1000002"]
    with pytest.raises(NotFound):
        await use.broker_message_detail(uow.as_uow(), restricted, "BM-2")
    with pytest.raises(NotFound):
        await use.rendered_for_account(uow.as_uow(), restricted, "BM-1", "U1000001",
                                       Channel.EMAIL)  # fmt: skip
    with pytest.raises(NotFound):  # another master's copy
        await use.broker_message_detail(uow.as_uow(), caller(TWO), "BM-1")


async def test_rendered_as_the_account_receives_it(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages([issued(["U1000001"])], uow.as_uow())
    shown = await use.rendered_for_account(uow.as_uow(), caller(), "BM-1", "U1000001",
                                           Channel.EMAIL)  # fmt: skip
    assert "February 2026" in shown.text and shown.html and "<p>Dear Client U1000001" in shown.html


async def test_email_me_attaches_every_recipients_content(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages([issued(["U1000001", "U1000002"])], uow.as_uow())
    sent: list[EmailMessage] = []

    class Transport:
        async def send(self, message: EmailMessage) -> None:
            sent.append(message)

    with pytest.raises(Invalid):  # no address of record yet
        await use.email_me(uow.as_uow(), caller(), "BM-1", transport=Transport(),
                           sender="portal@x.test", now=NOW)  # fmt: skip
    await uow.master_users.upsert([MasterUser("u-ada", ONE, "Ada", "ada@x.test", True, False,
                                              NOW)])  # fmt: skip
    out = await use.email_me(uow.as_uow(), caller(), "BM-1", transport=Transport(),
                             sender="portal@x.test", now=NOW)  # fmt: skip
    assert out.to == "ada@x.test" and out.recipient_count == 2
    (attachment,) = list(sent[0].iter_attachments())
    csv_text = attachment.get_content()
    assert "U1000002,E,Statement ready" in csv_text and "Client U1000001" in csv_text


async def test_inquiry_and_delete(uow: FakeBrokerUnitOfWork) -> None:
    await use.apply_broker_messages([issued(["U1000001", "U2000001"])], uow.as_uow())
    inquiry = await inquiries.submit_inquiry(uow.as_uow(), caller(), "BM-1", " Why? ", now=NOW)
    assert inquiry.text == "Why?" and uow.events(BrokerInquiryCreated)
    listed = await use.broker_message_page(uow.as_uow(), caller(), page=1)
    assert listed.items[0].inquiry_status == "open"
    with pytest.raises(Invalid):
        await inquiries.submit_inquiry(uow.as_uow(), caller(), "BM-1", "x" * 2001, now=NOW)
    await use.delete_broker_message(uow.as_uow(), caller(), "BM-1", now=NOW)
    assert uow.events(BrokerMessageDeleted)
    assert (await use.broker_message_page(uow.as_uow(), caller(), page=1)).total == 0
    with pytest.raises(NotFound):
        await use.broker_message_detail(uow.as_uow(), caller(), "BM-1")
    assert (await use.broker_message_detail(uow.as_uow(), caller(TWO), "BM-1")).id == "BM-1"


async def test_an_inquiry_is_answered_by_the_broker_then_closed_once(
    uow: FakeBrokerUnitOfWork,
) -> None:
    from datetime import timedelta

    from contracts.accounts import BrokerInquiryAnswered
    from contracts.messaging import BrokerInquiryClosed

    await use.apply_broker_messages([issued(["U1000001"])], uow.as_uow())
    asked = await inquiries.submit_inquiry(uow.as_uow(), caller(), "BM-1", "Why now?", now=NOW)
    later = NOW + timedelta(hours=3)

    def answer(master: str) -> Delivery[Any]:
        event = BrokerInquiryAnswered(inquiry_id=asked.id, message_id="BM-1",
                                      master_account_id=master, answer="A rule change.",
                                      answered_at=later)  # fmt: skip
        return Delivery(event, Envelope.wrap(event, master_account_id=master))

    await inquiries.apply_inquiry_answers([answer(TWO)], uow.as_uow())  # not that master's
    assert (await inquiries.inquiries_of(uow.as_uow(), caller(), "BM-1"))[0].status == "open"
    await inquiries.apply_inquiry_answers([answer(ONE), answer(ONE)], uow.as_uow())
    [answered] = await inquiries.inquiries_of(uow.as_uow(), caller(), "BM-1")
    assert (answered.status, answered.answer, answered.answered_at) == (
        "answered", "A rule change.", later,
    )  # fmt: skip
    closed = await inquiries.close_inquiry(uow.as_uow(), caller(), "BM-1", asked.id, now=later)
    assert closed.status == "closed" and closed.answer == "A rule change."
    assert len(uow.events(BrokerInquiryClosed)) == 1
    with pytest.raises(NotFound):
        await inquiries.close_inquiry(uow.as_uow(), caller(), "BM-1", asked.id, now=later)
    with pytest.raises(NotFound):  # another master cannot reach it
        await inquiries.close_inquiry(uow.as_uow(), caller(TWO), "BM-1", asked.id, now=later)
