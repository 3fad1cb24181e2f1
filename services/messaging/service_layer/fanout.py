"""The fan-out: each chunk of a message's recipients becomes one delivery per recipient and
channel, and only a delivery inserted now has effects — so a chunk applied again (a redelivery,
a replay after a restart, a second replica) delivers nothing twice.

Per poll, set-based: each message is compiled once and its recipients of all the poll's chunks
read with one statement. Per chunk: every recipient and channel rendered, the deliveries
inserted with ``ON CONFLICT DO NOTHING RETURNING``; then the new Message Center rows are
inserted (delivered), the new bulletins published through the outbox (sent; a few events per
chunk, not one per account), and the new emails queued for the sender, due at once.

The poll stays one transaction, but a chunk's statements run while the next chunk renders:
PostgreSQL's work on one overlaps Python's on the other (one statement at a time on the
transaction's connection, in chunk order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
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
    FrozenRecipient,
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
    render_channels,
)
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.consumers import Delivery

log = structlog.get_logger(__name__)

Prepared = tuple[Message, CompiledMessage, BrandingView]
BULLETIN_EVENT_BYTES = 256 * 1024  # well under the broker's 1 MB message limit


async def apply_delivery_batches(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every fan-out chunk of one poll: a chunk's statements run while the next one renders."""
    prepared = await _prepare(deliveries, uow)
    recipients = await _recipients_by_chunk(deliveries, prepared, uow)
    writing: asyncio.Task[None] | None = None
    try:
        for delivery, chunk_recipients in zip(deliveries, recipients, strict=True):
            message_id = delivery.event.message_id
            entry = prepared[message_id]
            if entry is None:  # recorded in the transaction that published the chunk: never happens
                log.warning("fan-out chunk of an unknown message", message_id=str(message_id))
                continue
            chunk = await _render_chunk(delivery, chunk_recipients, *entry)
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write_chunk(uow, delivery, entry[0], chunk))
        if writing is not None:
            await writing
    finally:
        if writing is not None:  # rendering failed: stop the statements (no-op once written)
            writing.cancel()
            await asyncio.gather(writing, return_exceptions=True)


async def _prepare(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> dict[UUID, Prepared | None]:
    """Each message of the poll's chunks, compiled once (None: an unknown message)."""
    prepared: dict[UUID, Prepared | None] = {}
    for delivery in deliveries:
        event: DeliveryBatch = delivery.event
        if event.message_id in prepared:
            continue
        message = await uow.messages.get(
            master_account_id=delivery.envelope.master_account_id, message_id=event.message_id
        )
        prepared[event.message_id] = None if message is None else (
            message, compile_message(composition_of(message)), branding_view(message.branding)
        )  # fmt: skip
    return prepared


async def _recipients_by_chunk(
    deliveries: Sequence[Delivery[Any]],
    prepared: dict[UUID, Prepared | None],
    uow: MessagingUnitOfWork,
) -> list[list[FrozenRecipient]]:
    """Each chunk's frozen recipients in the order of their ids, read with one statement per
    message."""
    wanted: dict[UUID, set[UUID]] = {}
    for delivery in deliveries:
        if prepared[delivery.event.message_id] is not None:
            wanted.setdefault(delivery.event.message_id, set()).update(delivery.event.contact_ids)
    frozen: dict[UUID, dict[UUID, FrozenRecipient]] = {}
    for message_id, contact_ids in wanted.items():
        found = await uow.messages.recipients(message_id, list(contact_ids))
        frozen[message_id] = {r.contact_id: r for r in found}
    by_chunk: list[list[FrozenRecipient]] = []
    for delivery in deliveries:
        of_message = frozen.get(delivery.event.message_id, {})
        ids = sorted(set(delivery.event.contact_ids), key=_uuid_order)
        by_chunk.append([of_message[c] for c in ids if c in of_message])
    return by_chunk


def _uuid_order(contact_id: UUID) -> int:
    return contact_id.int  # PostgreSQL's order of uuids: their bytes, big-endian


@dataclass(frozen=True, slots=True)
class _RenderedChunk:
    rows: list[NewDelivery]
    contents: dict[tuple[UUID, Channel], Rendered]  # of each row
    recipients: dict[UUID, FrozenRecipient]  # by contact id


RENDER_SLICE = 50  # recipients rendered between two turns of the event loop


async def _render_chunk(
    delivery: Delivery[Any],
    recipients: Sequence[FrozenRecipient],
    message: Message,
    compiled: CompiledMessage,
    branding: BrandingView,
) -> _RenderedChunk:
    """A chunk's delivery rows and contents, letting the previous chunk's statements go on."""
    at = delivery.envelope.occurred_at  # the chunk's time: the same on every replay
    rendered: dict[tuple[UUID, Channel], Rendered] = {}
    rows: list[NewDelivery] = []
    for number, recipient in enumerate(recipients, start=1):
        contents = render_channels(compiled, recipient.variables, message.channels, branding)
        for channel, content in contents.items():
            rendered[(recipient.contact_id, channel)] = content
            status, reason = first_status(channel, has_email=bool(recipient.email))
            rows.append(NewDelivery(
                message_id=message.id, contact_id=recipient.contact_id, channel=channel,
                master_account_id=message.master_account_id, status=status,
                content_sha256=content.sha256, queued_at=at, reason=reason,
                next_attempt_at=at if status is DeliveryStatus.QUEUED else None,
            ))  # fmt: skip
        if number % RENDER_SLICE == 0:
            await asyncio.sleep(0)  # the statement in flight is read and the next one sent
    return _RenderedChunk(rows, rendered, {r.contact_id: r for r in recipients})


async def _write_chunk(
    uow: MessagingUnitOfWork, delivery: Delivery[Any], message: Message, chunk: _RenderedChunk
) -> None:
    """Insert the chunk's deliveries; only the new ones get their inbox rows and events."""
    rows, rendered, by_id = chunk.rows, chunk.contents, chunk.recipients
    new = await uow.deliveries.insert_new(rows)
    if not new:
        return  # the whole chunk was delivered before
    at = delivery.envelope.occurred_at
    event: DeliveryBatch = delivery.event
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
