"""Sending a message (M1-M5): once per idempotency key, in one transaction — the recipients
resolved and frozen with their variables, the message recorded, and its announcement and
fan-out chunks published through the outbox. Delivery happens after, in the fan-out consumer
(``fanout.py``) and the email sender (``email_delivery.py``); the portal never waits for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from contracts import topics
from contracts.api.messages import MessageSend
from contracts.messaging import DeliveryBatch, MessageOrigin, MessageSent
from services.messaging.domain.messages import (
    CHUNK_SIZE,
    FrozenRecipient,
    Message,
    chunks,
    composition_of,
)
from services.messaging.domain.recipients import Recipient
from services.messaging.domain.rendering import compile_message
from services.messaging.service_layer.recipients import resolve_recipients
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Invalid, NotFound


def freeze(recipient: Recipient, *, master_name: str, now: datetime) -> FrozenRecipient:
    return FrozenRecipient(
        contact_id=recipient.contact_id, account_number=recipient.account_number,
        name=recipient.name, email=recipient.email,
        variables=recipient.variables(master_name, now.date()),
        folded_accounts=tuple(recipient.folded_accounts),
    )  # fmt: skip


async def send_message(
    uow: MessagingUnitOfWork,
    caller: Caller,
    command: MessageSend,
    *,
    idempotency_key: str,
    now: datetime,
) -> tuple[Message, bool]:
    """Send ``command`` to its recipients; (the message, whether it is new). A key the master
    already used returns that first send instead of sending again."""
    master = caller.master_account_id
    earlier = await uow.messages.by_idempotency_key(master_account_id=master, key=idempotency_key)
    if earlier is not None:
        return earlier, False
    body = command.body
    if command.template_id is not None:
        template = await uow.messages.template(
            master_account_id=master, template_id=command.template_id
        )
        if template is None:
            raise NotFound("template")
        body = template[1]
    assert body is not None  # MessageSend holds a body or a template id
    message = Message(
        id=uuid4(), master_account_id=master, origin=MessageOrigin.COMPOSED,
        idempotency_key=idempotency_key, subject=command.subject, body=body,
        channels=tuple(command.channels), recipient_count=0, created_at=now,
        template_id=command.template_id,
        reply_to=str(command.reply_to) if command.reply_to else None,
        signature=command.signature, with_banner=command.with_banner,
        with_footer=command.with_footer,
        per_household=bool(getattr(command.recipients, "per_household", False)),
        created_by_user_id=caller.user_id,
    )  # fmt: skip
    compile_message(composition_of(message))  # a template the rules refuse: 422, nothing sent
    await _check_reply_to(uow, master, message.reply_to)
    resolved = await resolve_recipients(uow, caller, command.recipients)
    if not resolved:
        raise Invalid("the selection names no open client account", field="recipients")
    firm = command.master_name or master
    frozen = [freeze(r, master_name=firm, now=now) for r in resolved]
    return await record_and_publish(uow, message, frozen)


async def _check_reply_to(uow: MessagingUnitOfWork, master: str, reply_to: str | None) -> None:
    """Replies go only to the address of one of the master's active users (M4)."""
    if reply_to is None:
        return
    addresses = {(user.email or "").lower() for user in await uow.master_users.active(master)}
    if reply_to.lower() not in addresses:
        raise Invalid("the reply-to address must be one of your firm's active users'",
                      field="reply_to")  # fmt: skip


async def resend_message(
    uow: MessagingUnitOfWork, caller: Caller, message_id: UUID, *, idempotency_key: str,
    now: datetime,
) -> tuple[Message, bool]:  # fmt: skip
    """Send a message again to the same recipients (frozen as they were), as a new message
    linked to the first by ``resend_of``."""
    master = caller.master_account_id
    earlier = await uow.messages.by_idempotency_key(master_account_id=master, key=idempotency_key)
    if earlier is not None:
        return earlier, False
    original = await uow.messages.get(master_account_id=master, message_id=message_id)
    if original is None:
        raise NotFound("message")
    recipients = await uow.messages.recipients(original.id)
    message = Message(
        id=uuid4(), master_account_id=master, origin=original.origin,
        idempotency_key=idempotency_key, subject=original.subject, body=original.body,
        channels=original.channels, recipient_count=0, created_at=now,
        template_id=original.template_id, reply_to=original.reply_to,
        signature=original.signature, with_banner=original.with_banner,
        with_footer=original.with_footer, branding=original.branding,
        per_household=original.per_household, created_by_user_id=caller.user_id,
        resend_of=original.id,
    )  # fmt: skip
    return await record_and_publish(uow, message, recipients)


async def record_and_publish(
    uow: MessagingUnitOfWork, message: Message, recipients: Sequence[FrozenRecipient]
) -> tuple[Message, bool]:
    """Record ``message`` with its frozen recipients (once per idempotency key) and publish its
    announcement and fan-out chunks; (the message, whether it is new). Composed, resent and
    broker messages (``broker_messages.py``) all go out through here."""
    branding = message.branding
    if branding is None and (message.with_banner or message.with_footer):
        branding = await uow.messages.branding(master_account_id=message.master_account_id)
    message = replace(message, recipient_count=len(recipients), branding=branding)
    if not await uow.messages.add(message):  # the same key, committed meanwhile by a twin
        earlier = await uow.messages.by_idempotency_key(
            master_account_id=message.master_account_id, key=message.idempotency_key
        )
        assert earlier is not None
        return earlier, False
    await uow.messages.add_recipients(message.id, recipients)
    await publish_fanout(uow, message, [r.contact_id for r in recipients])
    return message, True


async def publish_fanout(
    uow: MessagingUnitOfWork, message: Message, contact_ids: Sequence[UUID]
) -> None:
    """The announcement, then the fan-out's chunks (each a unit of delivery work)."""
    master = message.master_account_id
    await uow.publish(
        topics.MESSAGING.name,
        MessageSent(
            message_id=message.id,
            master_account_id=master,
            subject=message.subject,
            channels=list(message.channels),
            recipient_count=len(contact_ids),
            origin=message.origin,
            sent_by_user_id=message.created_by_user_id,
            resend_of=message.resend_of,
        ),
        master_account_id=master,
    )
    batches = [
        DeliveryBatch(
            message_id=message.id, master_account_id=master, chunk=number, contact_ids=list(chunk)
        )
        for number, chunk in chunks(contact_ids, CHUNK_SIZE)
    ]
    await uow.publish_all(topics.MESSAGING_FANOUT.name, batches, master_account_id=master)
