"""Deliveries: one row per message, recipient and channel (the exactly-once key), inserted once
whatever is replayed; queued emails claimed by one sender at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import Channel
from contracts.messaging import DeliveryStatus
from services.messaging.domain.messages import EmailDelivery, NewDelivery
from services.messaging.store.tables import deliveries

_UUIDS = ARRAY(PgUUID(as_uuid=True))

# Only the rows that were not there come back: their effects (inbox row, bulletin, email) happen
# once, even when a chunk is applied again or by two replicas at once (the second waits for the
# first one's commit on the key, then inserts nothing). What a chunk's rows share is sent once
# (the driver checks every element of an array it encodes: a fan-out's largest client cost).
_INSERT_NEW = text(
    """
    INSERT INTO deliveries (message_id, contact_id, channel, master_account_id, status,
                            attempts, next_attempt_at, reason, content_sha256, queued_at,
                            updated_at)
    SELECT CAST(:message_id AS uuid), d.contact_id, d.channel, CAST(:master AS varchar),
           d.status, 0, d.next_attempt_at, d.reason, d.sha, CAST(:queued_at AS timestamptz),
           now()
    FROM unnest(CAST(:contact_ids AS uuid[]), CAST(:channels AS varchar[]),
                CAST(:statuses AS varchar[]), CAST(:next_attempts AS timestamptz[]),
                CAST(:reasons AS varchar[]), CAST(:shas AS varchar[]))
         AS d(contact_id, channel, status, next_attempt_at, reason, sha)
    ORDER BY d.contact_id, d.channel
    ON CONFLICT DO NOTHING
    RETURNING contact_id, channel
    """
).bindparams(bindparam("contact_ids", type_=_UUIDS))
_CHANNELS = {channel.value: channel for channel in Channel}

_CLAIM_DUE_EMAILS = text(
    """
    SELECT message_id, contact_id, master_account_id, attempts, content_sha256
    FROM deliveries
    WHERE channel = 'E' AND status = 'queued' AND next_attempt_at <= :now
    ORDER BY next_attempt_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)

_SAVE_OUTCOMES = text(
    """
    UPDATE deliveries AS d
    SET status = o.status, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
        reason = o.reason, updated_at = now()
    FROM unnest(CAST(:message_ids AS uuid[]), CAST(:contact_ids AS uuid[]),
                CAST(:statuses AS varchar[]), CAST(:attempts AS int[]),
                CAST(:next_attempts AS timestamptz[]), CAST(:reasons AS varchar[]))
         AS o(message_id, contact_id, status, attempts, next_attempt_at, reason)
    WHERE d.message_id = o.message_id AND d.contact_id = o.contact_id AND d.channel = 'E'
    """
).bindparams(bindparam("message_ids", type_=_UUIDS), bindparam("contact_ids", type_=_UUIDS))


_MARK_BOUNCED = text(
    """
    UPDATE deliveries AS d
    SET status = 'bounced', reason = b.reason, updated_at = now()
    FROM unnest(CAST(:message_ids AS uuid[]), CAST(:contact_ids AS uuid[]),
                CAST(:reasons AS varchar[])) AS b(message_id, contact_id, reason)
    WHERE d.message_id = b.message_id AND d.contact_id = b.contact_id AND d.channel = 'E'
      AND d.status = 'sent'
    RETURNING d.master_account_id, d.message_id, d.contact_id, d.reason
    """
).bindparams(bindparam("message_ids", type_=_UUIDS), bindparam("contact_ids", type_=_UUIDS))


def _message_order(group: tuple[tuple[UUID, str, datetime], Any]) -> tuple[int, str, datetime]:
    (message_id, master, queued_at), _ = group
    return message_id.int, master, queued_at  # rows locked in key order, as PostgreSQL sorts


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_new(self, rows: Sequence[NewDelivery]) -> set[tuple[UUID, Channel]]:
        """Insert the deliveries not there yet; the (contact, channel) pairs that were new."""
        shared: dict[tuple[UUID, str, datetime], list[NewDelivery]] = {}
        for row in rows:  # one group for a fan-out chunk
            key = (row.message_id, row.master_account_id, row.queued_at)
            shared.setdefault(key, []).append(row)
        new: set[tuple[UUID, Channel]] = set()
        for (message_id, master, queued_at), group in sorted(shared.items(), key=_message_order):
            result = await self._session.execute(_INSERT_NEW, {
                "message_id": message_id, "master": master, "queued_at": queued_at,
                "contact_ids": [r.contact_id for r in group],
                "channels": [r.channel.value for r in group],
                "statuses": [r.status.value for r in group],
                "next_attempts": [r.next_attempt_at for r in group],
                "reasons": [r.reason for r in group],
                "shas": [r.content_sha256 for r in group],
            })  # fmt: skip
            new.update((contact_id, _CHANNELS[channel]) for contact_id, channel in result)
        return new

    async def claim_due_emails(self, now: datetime, limit: int) -> list[EmailDelivery]:
        """Queued emails due by ``now``, locked for this transaction; rows another sender holds
        are skipped, so two replicas never send the same one at the same time."""
        rows = await self._session.execute(_CLAIM_DUE_EMAILS, {"now": now, "limit": limit})
        return [
            EmailDelivery(
                message_id=row.message_id,
                contact_id=row.contact_id,
                master_account_id=row.master_account_id,
                attempts=row.attempts,
                content_sha256=row.content_sha256,
            )
            for row in rows
        ]

    async def save_outcomes(self, outcomes: Sequence[EmailDelivery]) -> None:
        if not outcomes:
            return
        await self._session.execute(
            _SAVE_OUTCOMES,
            {
                "message_ids": [o.message_id for o in outcomes],
                "contact_ids": [o.contact_id for o in outcomes],
                "statuses": [o.status.value for o in outcomes],
                "attempts": [o.attempts for o in outcomes],
                "next_attempts": [o.next_attempt_at for o in outcomes],
                "reasons": [o.reason for o in outcomes],
            },
        )

    async def mark_bounced(
        self, bounces: Sequence[tuple[UUID, UUID, str]]
    ) -> list[tuple[str, UUID, UUID, str]]:
        """Sent emails (message, recipient, reason) that bounced: (master, message, recipient,
        reason) of those that were sent and now are bounced (a repeat changes nothing)."""
        if not bounces:
            return []
        rows = await self._session.execute(_MARK_BOUNCED, {
            "message_ids": [b[0] for b in bounces], "contact_ids": [b[1] for b in bounces],
            "reasons": [b[2][:500] for b in bounces],
        })  # fmt: skip
        return [(r.master_account_id, r.message_id, r.contact_id, r.reason) for r in rows]

    async def status_counts(
        self, message_ids: Sequence[UUID]
    ) -> dict[UUID, dict[DeliveryStatus, int]]:
        if not message_ids:
            return {}
        rows = await self._session.execute(
            select(deliveries.c.message_id, deliveries.c.status, func.count())
            .where(deliveries.c.message_id.in_(list(message_ids)))
            .group_by(deliveries.c.message_id, deliveries.c.status)
        )
        counts: dict[UUID, dict[DeliveryStatus, int]] = {}
        for message_id, status, count in rows:
            counts.setdefault(message_id, {})[DeliveryStatus(status)] = count
        return counts

    async def of_recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID]
    ) -> list[dict[str, Any]]:
        """Every delivery of the message to these recipients (all channels)."""
        if not contact_ids:
            return []
        rows = await self._session.execute(
            select(
                deliveries.c.contact_id, deliveries.c.channel, deliveries.c.status,
                deliveries.c.attempts, deliveries.c.reason, deliveries.c.updated_at,
                deliveries.c.content_sha256,
            ).where(deliveries.c.message_id == message_id,
                    deliveries.c.contact_id.in_(list(contact_ids)))
        )  # fmt: skip
        return [dict(row._mapping) for row in rows]
