"""The fan-out: each chunk of a message's recipients becomes one delivery per recipient and
channel, and only a delivery inserted now has effects — so a chunk applied again (a redelivery,
a replay after a restart, a second replica) delivers nothing twice.

Per chunk, set-based: the message is compiled once (per message and poll), every recipient and
channel rendered, the deliveries inserted with ``ON CONFLICT DO NOTHING RETURNING``; then the new
Message Center rows are inserted (delivered), the new bulletins published through the outbox
(sent; a few events per chunk, not one per account), and the new emails queued for the sender, due at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

import structlog

from contracts import topics
from contracts.accounts import Channel
from contracts.messaging import (
    Bulletin,
    BulletinsPosted,
    DeliveryBatch,
    DeliveryChanged,
    DeliveryStatus,
)
from services.messaging.domain.messages import (
    Message,
    NewDelivery,
    branding_view,
    composition_of,
    first_status,
)
from services.messaging.domain.rendering import (
    BrandingView,
    CompiledMessage,
    Rendered,
    compile_message,
    render,
)
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.consumers import Delivery

log = structlog.get_logger(__name__)

Prepared = tuple[Message, CompiledMessage, BrandingView]
BULLETIN_EVENT_BYTES = 256 * 1024  # well under the broker's 1 MB message limit


async def apply_delivery_batches(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every fan-out chunk of one poll, each with a few set-based statements."""
    prepared: dict[UUID, Prepared | None] = {}
    for delivery in deliveries:
        event: DeliveryBatch = delivery.event
        if event.message_id not in prepared:
            message = await uow.messages.get(
                master_account_id=delivery.envelope.master_account_id, message_id=event.message_id
            )
            prepared[event.message_id] = (
                None
                if message is None
                else (
                    message,
                    compile_message(composition_of(message)),
                    branding_view(message.branding),
                )
            )
        entry = prepared[event.message_id]
        if entry is None:  # recorded in the transaction that published the chunk: never happens
            log.warning("fan-out chunk of an unknown message", message_id=str(event.message_id))
            continue
        await deliver_chunk(uow, delivery, *entry)


async def deliver_chunk(
    uow: MessagingUnitOfWork,
    delivery: Delivery[Any],
    message: Message,
    compiled: CompiledMessage,
    branding: BrandingView,
) -> None:
    event: DeliveryBatch = delivery.event
    at = delivery.envelope.occurred_at  # the chunk's time: the same on every replay
    recipients = await uow.messages.recipients(message.id, event.contact_ids)
    rendered: dict[tuple[UUID, Channel], Rendered] = {}
    rows: list[NewDelivery] = []
    for recipient in recipients:
        html_version: Rendered | None = None  # the Message Center and the email carry one content
        for channel in message.channels:
            if channel is Channel.BULLETIN or html_version is None:
                content = render(compiled, recipient.variables, channel, branding)
                if channel is not Channel.BULLETIN:
                    html_version = content
            else:
                content = replace(html_version, channel=channel)
            rendered[(recipient.contact_id, channel)] = content
            status, reason = first_status(channel, has_email=bool(recipient.email))
            rows.append(NewDelivery(
                message_id=message.id, contact_id=recipient.contact_id, channel=channel,
                master_account_id=message.master_account_id, status=status,
                content_sha256=content.sha256, queued_at=at, reason=reason,
                next_attempt_at=at if status is DeliveryStatus.QUEUED else None,
            ))  # fmt: skip
    new = await uow.deliveries.insert_new(rows)
    if not new:
        return  # the whole chunk was delivered before
    by_id = {r.contact_id: r for r in recipients}
    inbox = [
        (contact_id, content.subject, content.html or "", content.text)
        for (contact_id, channel), content in rendered.items()
        if channel is Channel.MESSAGE_CENTER and (contact_id, channel) in new
    ]
    await uow.inbox.add(message_id=message.id, master_account_id=message.master_account_id,
                        created_at=at, items=inbox)  # fmt: skip
    bulletins = [
        Bulletin(
            account_number=by_id[contact_id].account_number,
            contact_id=contact_id,
            subject=content.subject,
            text=content.text,
        )
        for (contact_id, channel), content in rendered.items()
        if channel is Channel.BULLETIN and (contact_id, channel) in new
    ]
    posted = [
        BulletinsPosted(
            master_account_id=message.master_account_id,
            message_id=message.id,
            part=f"{event.chunk}.{number}",
            bulletins=part,
        )
        for number, part in enumerate(parts_within(bulletins, BULLETIN_EVENT_BYTES))
    ]
    await uow.publish_all(topics.BULLETINS.name, posted,
                          master_account_id=message.master_account_id, caused_by=delivery)  # fmt: skip
    changes = _terminal_changes(message.id, rows, new)
    await uow.publish_all(topics.MESSAGING.name, changes,
                          master_account_id=message.master_account_id, caused_by=delivery)  # fmt: skip


def parts_within(bulletins: Sequence[Bulletin], limit: int) -> list[list[Bulletin]]:
    """The bulletins in order, cut into parts of about ``limit`` bytes of text at most (one
    bulletin larger than that is a part of its own)."""
    parts: list[list[Bulletin]] = []
    size = limit
    for bulletin in bulletins:
        weight = len(bulletin.text.encode()) + len(bulletin.subject.encode()) + 120
        if size + weight > limit:
            parts.append([])
            size = 0
        parts[-1].append(bulletin)
        size += weight
    return parts


def _terminal_changes(
    message_id: UUID, rows: Sequence[NewDelivery], new: set[tuple[UUID, Channel]]
) -> list[DeliveryChanged]:
    """One event per channel, status and reason for the chunk's new terminal deliveries (a queued
    email is announced when it is sent or fails)."""
    grouped: dict[tuple[Channel, DeliveryStatus, str | None], list[UUID]] = {}
    for row in rows:
        if row.status is not DeliveryStatus.QUEUED and (row.contact_id, row.channel) in new:
            grouped.setdefault((row.channel, row.status, row.reason), []).append(row.contact_id)
    return [
        DeliveryChanged(
            message_id=message_id,
            contact_ids=ids,
            channel=channel,
            status=status,
            reason=reason,
            attempt=0 if status is DeliveryStatus.FAILED else 1,
        )
        for (channel, status, reason), ids in grouped.items()
    ]
