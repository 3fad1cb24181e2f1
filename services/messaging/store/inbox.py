"""The clients' Message Center: one item per message and client, read or unread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.store.tables import inbox_items

_UUIDS = ARRAY(PgUUID(as_uuid=True))

_ADD = text(
    """
    INSERT INTO inbox_items (message_id, contact_id, master_account_id, subject, html, text,
                             created_at)
    SELECT CAST(:message_id AS uuid), i.contact_id, CAST(:master AS varchar), i.subject, i.html,
           i.text, CAST(:created_at AS timestamptz)
    FROM unnest(CAST(:contact_ids AS uuid[]), CAST(:subjects AS varchar[]),
                CAST(:htmls AS text[]), CAST(:texts AS text[])) AS i(contact_id, subject, html, text)
    ON CONFLICT DO NOTHING
    """
).bindparams(bindparam("contact_ids", type_=_UUIDS))


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        message_id: UUID,
        master_account_id: str,
        created_at: datetime,
        items: Sequence[tuple[UUID, str, str, str]],
    ) -> None:
        """``items``: (contact id, subject, html, text) of each client's new item."""
        if not items:
            return
        await self._session.execute(
            _ADD,
            {
                "message_id": message_id, "master": master_account_id, "created_at": created_at,
                "contact_ids": [i[0] for i in items], "subjects": [i[1] for i in items],
                "htmls": [i[2] for i in items], "texts": [i[3] for i in items],
            },
        )  # fmt: skip

    async def page(
        self, *, master_account_id: str, contact_id: UUID, unread_only: bool, offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int, int]:  # fmt: skip
        """(items newest first, how many match, how many are unread)."""
        where = [
            inbox_items.c.master_account_id == master_account_id,
            inbox_items.c.contact_id == contact_id,
        ]
        counts = (
            await self._session.execute(
                select(func.count(), func.count().filter(inbox_items.c.read_at.is_(None))).where(
                    *where
                )
            )
        ).one()
        if unread_only:
            where.append(inbox_items.c.read_at.is_(None))
        rows = await self._session.execute(
            select(
                inbox_items.c.message_id, inbox_items.c.subject, inbox_items.c.html,
                inbox_items.c.text, inbox_items.c.created_at, inbox_items.c.read_at,
            )
            .where(*where)
            .order_by(inbox_items.c.created_at.desc(), inbox_items.c.message_id)
            .offset(offset)
            .limit(limit)
        )  # fmt: skip
        total = counts[1] if unread_only else counts[0]
        return [dict(row._mapping) for row in rows], int(total), int(counts[1])

    async def item(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID
    ) -> dict[str, Any] | None:
        row = (
            await self._session.execute(
                select(
                    inbox_items.c.message_id, inbox_items.c.subject, inbox_items.c.html,
                    inbox_items.c.text, inbox_items.c.created_at, inbox_items.c.read_at,
                ).where(
                    inbox_items.c.master_account_id == master_account_id,
                    inbox_items.c.contact_id == contact_id,
                    inbox_items.c.message_id == message_id,
                )
            )
        ).first()  # fmt: skip
        return dict(row._mapping) if row else None

    async def mark_read(
        self, *, master_account_id: str, contact_id: UUID, message_id: UUID, at: datetime
    ) -> bool:
        """Mark the item read (the first reading time is kept); False when there is none."""
        result = await self._session.execute(
            update(inbox_items)
            .where(
                inbox_items.c.master_account_id == master_account_id,
                inbox_items.c.contact_id == contact_id,
                inbox_items.c.message_id == message_id,
            )
            .values(read_at=func.coalesce(inbox_items.c.read_at, at))
            .returning(inbox_items.c.message_id)
        )
        return result.first() is not None
