"""Sent By Me (M5) and the clients' Message Center: pages of sent messages with their status
counts, one message's per-recipient and per-channel statuses, the content exactly as one
recipient got it, the CSV export, and a client's inbox."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from contracts.accounts import Channel
from contracts.api.messages import (
    PAGE_SIZE,
    InboxItem,
    InboxPage,
    MessageDetail,
    MessagePage,
    MessageSummary,
    RecipientDelivery,
    RenderedContent,
)
from contracts.messaging import DeliveryStatus
from services.messaging.domain.messages import (
    FrozenRecipient,
    Message,
    branding_view,
    composition_of,
)
from services.messaging.domain.rendering import compile_message, render
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound

EXPORT_CHUNK = 1000


def _summary(message: Message, counts: dict[DeliveryStatus, int]) -> MessageSummary:
    return MessageSummary(
        id=message.id, subject=message.subject, origin=message.origin,
        channels=list(message.channels), recipient_count=message.recipient_count,
        created_at=message.created_at, created_by_user_id=message.created_by_user_id,
        resend_of=message.resend_of, statuses=counts,
    )  # fmt: skip


async def sent_messages(
    uow: MessagingUnitOfWork, caller: Caller, *, mine: bool, page: int
) -> MessagePage:
    messages, total = await uow.messages.page(
        master_account_id=caller.master_account_id,
        created_by=caller.user_id if mine else None,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
    )  # fmt: skip
    counts = await uow.deliveries.status_counts([m.id for m in messages])
    items = [_summary(m, counts.get(m.id, {})) for m in messages]
    return MessagePage(items=items, page=page, page_size=PAGE_SIZE, total=total)


async def _message(uow: MessagingUnitOfWork, caller: Caller, message_id: UUID) -> Message:
    message = await uow.messages.get(
        master_account_id=caller.master_account_id, message_id=message_id
    )
    if message is None:
        raise NotFound("message")
    return message


async def _in_scope(
    uow: MessagingUnitOfWork, caller: Caller, recipients: Sequence[FrozenRecipient]
) -> list[FrozenRecipient]:
    """The recipients the caller's client scope reaches (all of them for an all-clients scope)."""
    if caller.access.scope.all_clients or not recipients:
        return list(recipients)
    reachable = await uow.clients.open_clients(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        contact_ids=[r.contact_id for r in recipients],
    )  # fmt: skip
    ids = {r.contact_id for r in reachable}
    return [r for r in recipients if r.contact_id in ids]


def _rows(
    message: Message, recipients: Sequence[FrozenRecipient], found: Sequence[dict[str, object]]
) -> list[RecipientDelivery]:
    by_key = {(row["contact_id"], row["channel"]): row for row in found}
    rows = []
    for recipient in recipients:
        for channel in message.channels:
            row = by_key.get((recipient.contact_id, channel.value), {})
            rows.append(RecipientDelivery.model_validate({
                "contact_id": recipient.contact_id, "account_number": recipient.account_number,
                "name": recipient.name, "channel": channel, "status": row.get("status"),
                "attempts": row.get("attempts") or 0, "reason": row.get("reason"),
                "updated_at": row.get("updated_at"),
            }))  # fmt: skip
    return rows


async def message_detail(
    uow: MessagingUnitOfWork, caller: Caller, message_id: UUID, *, page: int
) -> MessageDetail:
    message = await _message(uow, caller, message_id)
    counts = await uow.deliveries.status_counts([message.id])
    recipients = await _in_scope(uow, caller, await uow.messages.recipient_page(
        message.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE))  # fmt: skip
    found = await uow.deliveries.of_recipients(message.id, [r.contact_id for r in recipients])
    summary = _summary(message, counts.get(message.id, {}))
    return MessageDetail(
        **summary.model_dump(), body=message.body, reply_to=message.reply_to,
        signature=message.signature, with_banner=message.with_banner,
        with_footer=message.with_footer, deliveries=_rows(message, recipients, found),
        page=page, page_size=PAGE_SIZE, total_recipients=message.recipient_count,
    )  # fmt: skip


async def rendered_for(
    uow: MessagingUnitOfWork, caller: Caller, message_id: UUID, contact_id: UUID,
    channel: Channel,
) -> RenderedContent:  # fmt: skip
    """The content as delivered, rendered again from the frozen inputs, with whether it hashes
    the same as what was delivered."""
    message = await _message(uow, caller, message_id)
    if channel not in message.channels:
        raise NotFound("delivery")
    recipients = await _in_scope(uow, caller, await uow.messages.recipients(message.id,
                                                                           [contact_id]))  # fmt: skip
    if not recipients:
        raise NotFound("recipient")
    recipient = recipients[0]
    content = render(compile_message(composition_of(message)), recipient.variables, channel,
                     branding_view(message.branding))  # fmt: skip
    found = await uow.deliveries.of_recipients(message.id, [contact_id])
    delivered = next((r for r in found if r["channel"] == channel.value), None)
    delivered_sha = delivered["content_sha256"] if delivered else None
    return RenderedContent(
        message_id=message.id, contact_id=contact_id, channel=channel, subject=content.subject,
        html=content.html, text=content.text, sha256=content.sha256,
        delivered_sha256=delivered_sha, matches_delivered=delivered_sha == content.sha256,
    )  # fmt: skip


async def export_csv(uow: MessagingUnitOfWork, caller: Caller, message_id: UUID) -> str:
    """Every recipient and channel of the message with its status, as CSV."""
    message = await _message(uow, caller, message_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["account_number", "name", "channel", "status", "attempts", "reason",
                     "updated_at"])  # fmt: skip
    offset = 0
    while True:
        chunk = await uow.messages.recipient_page(message.id, offset=offset, limit=EXPORT_CHUNK)
        if not chunk:
            break
        offset += len(chunk)
        recipients = await _in_scope(uow, caller, chunk)
        found = await uow.deliveries.of_recipients(message.id, [r.contact_id for r in recipients])
        for row in _rows(message, recipients, found):
            writer.writerow([_safe(row.account_number), _safe(row.name), row.channel.value,
                             row.status.value if row.status else "", row.attempts,
                             _safe(row.reason),
                             row.updated_at.isoformat() if row.updated_at else ""])  # fmt: skip
    return out.getvalue()


def _safe(value: str | None) -> str:
    """A cell a spreadsheet will not run as a formula."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


async def _reachable_client(uow: MessagingUnitOfWork, caller: Caller, contact_id: UUID) -> None:
    if caller.access.scope.all_clients:
        return
    reachable = await uow.clients.open_clients(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        contact_ids=[contact_id],
    )  # fmt: skip
    if not reachable:
        raise NotFound("client")


async def client_inbox(
    uow: MessagingUnitOfWork, caller: Caller, contact_id: UUID, *, unread_only: bool, page: int
) -> InboxPage:
    await _reachable_client(uow, caller, contact_id)
    rows, total, unread = await uow.inbox.page(
        master_account_id=caller.master_account_id, contact_id=contact_id,
        unread_only=unread_only, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
    )  # fmt: skip
    return InboxPage(contact_id=contact_id, items=[InboxItem.model_validate(r) for r in rows],
                     unread=unread, page=page, page_size=PAGE_SIZE, total=total)  # fmt: skip


async def client_inbox_item(
    uow: MessagingUnitOfWork, caller: Caller, contact_id: UUID, message_id: UUID
) -> InboxItem:
    await _reachable_client(uow, caller, contact_id)
    row = await uow.inbox.item(master_account_id=caller.master_account_id, contact_id=contact_id,
                               message_id=message_id)  # fmt: skip
    if row is None:
        raise NotFound("inbox item")
    return InboxItem.model_validate(row)


async def mark_inbox_read(
    uow: MessagingUnitOfWork, caller: Caller, contact_id: UUID, message_id: UUID, *, now: datetime
) -> None:
    await _reachable_client(uow, caller, contact_id)
    if not await uow.inbox.mark_read(master_account_id=caller.master_account_id,
                                     contact_id=contact_id, message_id=message_id, at=now):  # fmt: skip
        raise NotFound("inbox item")
