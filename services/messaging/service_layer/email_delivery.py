"""Sending the queued emails of messages (M8), after the fan-out recorded them.

Each pass is one transaction: due deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` (a
second replica's sender takes other rows), each is sent with a Message-ID derived from the
message and the recipient, and the outcomes are recorded together — sent; a transient failure
tried again later, each wait twice the one before, until the attempts run out; a permanent one
failed at once, with its reason. Sending is at least once: a crash between the mail server's
acceptance and the commit sends those emails again, with the same Message-IDs, so mail systems
(and the capture sink's readers) can recognise the repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import structlog

from contracts import topics
from contracts.accounts import Channel
from contracts.mail import EmailBounced
from contracts.messaging import DeliveryChanged, DeliveryStatus
from services.messaging.domain.messages import (
    EMAIL_FIRST_RETRY,
    EMAIL_MAX_ATTEMPTS,
    EmailDelivery,
    FrozenRecipient,
    Message,
    branding_view,
    composition_of,
    message_email,
    recipient_of_email,
)
from services.messaging.domain.rendering import (
    BrandingView,
    CompiledMessage,
    compile_message,
    render,
)
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.clock import Clock
from services.runtime.consumers import Delivery
from services.runtime.jobs import repeat
from services.runtime.mail import MailError, MailTransport
from services.runtime.mail_headers import MASTER_HEADER
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

EMAILS_PER_PASS = 100
CONCURRENT_SENDS = 8


class UnitsOfWork(Protocol):
    """Where the sender opens a transaction per pass (the service's ``Database``)."""

    def transaction(self) -> AbstractAsyncContextManager[MessagingUnitOfWork]: ...


Content = tuple[Message, FrozenRecipient, CompiledMessage, BrandingView]


async def send_due_emails(
    uow: MessagingUnitOfWork,
    transport: MailTransport,
    *,
    sender: str,
    now: datetime,
    limit: int = EMAILS_PER_PASS,
    max_attempts: int = EMAIL_MAX_ATTEMPTS,
    first_retry: timedelta = EMAIL_FIRST_RETRY,
) -> int:
    """Send up to ``limit`` due emails and record their outcomes; returns how many."""
    claimed = await uow.deliveries.claim_due_emails(now, limit)
    if not claimed:
        return 0
    contents = await _contents(uow, claimed)
    gate = asyncio.Semaphore(CONCURRENT_SENDS)

    async def send(delivery: EmailDelivery) -> None:
        found = contents.get((delivery.message_id, delivery.contact_id))
        if found is None or found[1].email is None:
            delivery.attempt_failed(now, "no email address of record", permanent=True)
            return
        message, recipient, compiled, branding = found
        content = render(compiled, recipient.variables, Channel.EMAIL, branding)
        try:
            email = message_email(message, recipient, content, sender=sender, now=now,
                                  master_header=MASTER_HEADER)  # fmt: skip
            async with gate:
                await transport.send(email)
        except MailError as error:
            delivery.attempt_failed(now, error.reason, permanent=not error.transient,
                                    max_attempts=max_attempts, first_retry=first_retry)  # fmt: skip
        except ValueError as error:  # an address the email library refuses
            delivery.attempt_failed(now, f"not sendable: {error}", permanent=True)
        else:
            delivery.sent()

    await asyncio.gather(*(send(delivery) for delivery in claimed))
    await uow.deliveries.save_outcomes(claimed)
    await _announce(uow, claimed)
    log.info("emails handled", handled=len(claimed),
             sent=sum(d.status is DeliveryStatus.SENT for d in claimed))  # fmt: skip
    return len(claimed)


async def _contents(
    uow: MessagingUnitOfWork, claimed: Sequence[EmailDelivery]
) -> dict[tuple[UUID, UUID], Content]:
    """What each claimed email is made of: its message (compiled once) and frozen recipient."""
    wanted: dict[tuple[str, UUID], list[UUID]] = {}
    for delivery in claimed:
        wanted.setdefault((delivery.master_account_id, delivery.message_id), []).append(
            delivery.contact_id
        )
    contents: dict[tuple[UUID, UUID], Content] = {}
    for (master, message_id), contact_ids in wanted.items():
        message = await uow.messages.get(master_account_id=master, message_id=message_id)
        if message is None:
            continue
        compiled = compile_message(composition_of(message))
        branding = branding_view(message.branding)
        for recipient in await uow.messages.recipients(message_id, contact_ids):
            contents[(message_id, recipient.contact_id)] = (message, recipient, compiled, branding)
    return contents


async def _announce(uow: MessagingUnitOfWork, handled: Sequence[EmailDelivery]) -> None:
    """``delivery_changed`` for the emails that reached a terminal status, grouped."""
    grouped: dict[tuple[str, UUID, DeliveryStatus, str | None, int], list[UUID]] = {}
    for d in handled:
        if d.status is not DeliveryStatus.QUEUED:
            key = (d.master_account_id, d.message_id, d.status, d.reason, d.attempts)
            grouped.setdefault(key, []).append(d.contact_id)
    by_master: dict[str, list[DeliveryChanged]] = {}
    for (master, message_id, status, reason, attempt), ids in grouped.items():
        by_master.setdefault(master, []).append(
            DeliveryChanged(
                message_id=message_id,
                contact_ids=ids,
                channel=Channel.EMAIL,
                status=status,
                reason=reason,
                attempt=attempt,
            )
        )
    for master, events in by_master.items():
        await uow.publish_all(topics.MESSAGING.name, events, master_account_id=master)


async def apply_bounces(deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork) -> None:
    """Every bounce of a poll: the sent emails they name become bounced, with the mail system's
    reason (one statement), announced per message; a bounce of an email this service did not
    send, or of one already bounced, changes nothing."""
    wanted: dict[tuple[UUID, UUID], str] = {}
    for delivery in deliveries:
        event: EmailBounced = delivery.event
        named = recipient_of_email(event.message_id_header)
        if named is None:
            log.info("bounce of an email not sent here", recipient_domain=event.recipient
                     .rpartition("@")[2][:100])  # fmt: skip
            continue
        wanted.setdefault(named, event.reason or "bounced")
    bounced = await uow.deliveries.mark_bounced([(m, c, r) for (m, c), r in wanted.items()])
    grouped: dict[tuple[str, UUID, str], list[UUID]] = {}
    for master, message_id, contact_id, reason in bounced:
        grouped.setdefault((master, message_id, reason), []).append(contact_id)
    for (master, message_id, reason), contact_ids in grouped.items():
        await uow.publish(
            topics.MESSAGING.name,
            DeliveryChanged(message_id=message_id, contact_ids=contact_ids, channel=Channel.EMAIL,
                            status=DeliveryStatus.BOUNCED, reason=reason),
            master_account_id=master,
        )  # fmt: skip


class EmailSender:
    """The service's background job sending the queued emails of messages."""

    def __init__(
        self,
        transport: MailTransport,
        *,
        sender: str,
        poll_seconds: float = 2.0,
        max_attempts: int = EMAIL_MAX_ATTEMPTS,
        first_retry: timedelta = EMAIL_FIRST_RETRY,
    ) -> None:
        self.transport = transport
        self._sender = sender
        self._poll_seconds = poll_seconds
        self._max_attempts = max_attempts
        self._first_retry = first_retry

    @property
    def sender(self) -> str:
        """The From address of the service's emails."""
        return self._sender

    async def run(self, context: ServiceContext) -> None:
        async def one_pass() -> bool:
            return await self.send_due(context.database, context.clock) >= EMAILS_PER_PASS

        await repeat("message-email-sender", one_pass, every=self._poll_seconds)

    async def send_due(self, database: UnitsOfWork, clock: Clock) -> int:
        """One pass: up to ``EMAILS_PER_PASS`` due emails, in one transaction."""
        async with database.transaction() as uow:
            return await send_due_emails(
                uow, self.transport, sender=self._sender, now=clock.now(),
                max_attempts=self._max_attempts, first_retry=self._first_retry,
            )  # fmt: skip
