"""Report emails (A10): one row per report delivery analytics asked for (the delivery id is the
exactly-once key), with its attachment, until it is sent or given up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.store.tables import MASTER, metadata

report_emails = Table(
    "report_emails",
    metadata,
    Column("delivery_id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", MASTER, nullable=False),
    Column("account_number", String(32), nullable=False),
    Column("contact_id", PgUUID(as_uuid=True)),
    Column("email_to", Text),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("attachment", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_report_emails_due", "status", "next_attempt_at"),
)


class ReportEmailRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[UUID]:
        """Record the deliveries; returns the ids that were new (a repeat adds nothing)."""
        if not rows:
            return set()
        result = await self._session.execute(
            insert(report_emails)
            .values(list(rows))
            .on_conflict_do_nothing()
            .returning(report_emails.c.delivery_id)
        )
        return set(result.scalars())

    async def claim_due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Queued emails due by ``now``, locked (a second replica's mailer takes others)."""
        rows = await self._session.execute(
            select(report_emails)
            .where(report_emails.c.status == "queued", report_emails.c.next_attempt_at <= now)
            .order_by(report_emails.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [dict(row._mapping) for row in rows]

    async def save(self, delivery_id: UUID, **values: Any) -> None:
        await self._session.execute(
            update(report_emails).where(report_emails.c.delivery_id == delivery_id).values(**values)
        )
