"""A user's own Message Center (``user_notices``): reminders and notices, and the reminder emails
still to send."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.store.tables import user_notices

MAX_EMAIL_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class NewNotice:
    id: UUID
    master_account_id: str
    user_id: str
    kind: str
    source_id: str
    subject: str
    body: str
    email_to: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    id: UUID
    master_account_id: str
    user_id: str
    kind: str
    source_id: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None
    email_to: str | None
    emailed_at: datetime | None
    email_attempts: int


def _notice(row: Any) -> Notice:
    return Notice(
        id=row.id, master_account_id=row.master_account_id, user_id=row.user_id, kind=row.kind,
        source_id=row.source_id, subject=row.subject, body=row.body, created_at=row.created_at,
        read_at=row.read_at, email_to=row.email_to, emailed_at=row.emailed_at,
        email_attempts=row.email_attempts,
    )  # fmt: skip


class UserNoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notices: Sequence[NewNotice]) -> list[UUID]:
        """Insert the notices (one statement); one already kept for the same user, kind and
        source is left as it is. The ids of those inserted."""
        if not notices:
            return []
        inserted = await self._session.scalars(
            insert(user_notices)
            .values([asdict(notice) for notice in notices])
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "source_id"])
            .returning(user_notices.c.id)
        )
        return list(inserted)

    async def of_user(
        self, *, master_account_id: str, user_id: str, limit: int
    ) -> tuple[int, list[Notice]]:
        """(how many are unread, the newest ``limit`` notices) of the user."""
        mine = (
            user_notices.c.master_account_id == master_account_id,
            user_notices.c.user_id == user_id,
        )
        unread = await self._session.scalar(
            select(func.count()).where(*mine, user_notices.c.read_at.is_(None))
        )
        rows = await self._session.execute(
            select(user_notices)
            .where(*mine)
            .order_by(user_notices.c.created_at.desc(), user_notices.c.id.desc())
            .limit(limit)
        )
        return int(unread or 0), [_notice(row) for row in rows]

    async def mark_read(
        self, *, master_account_id: str, user_id: str, notice_id: UUID, at: datetime
    ) -> Notice | None:
        """The notice, read (at ``at`` unless it already was); None when it is not the user's."""
        row = (
            await self._session.execute(
                user_notices.update()
                .where(
                    user_notices.c.id == notice_id,
                    user_notices.c.master_account_id == master_account_id,
                    user_notices.c.user_id == user_id,
                )
                .values(read_at=func.coalesce(user_notices.c.read_at, at))
                .returning(*user_notices.c)
            )
        ).first()
        return _notice(row) if row else None

    async def next_unsent_email(self, *, besides: Collection[UUID] = ()) -> Notice | None:
        """The oldest notice whose email is still to send (but ``besides``, tried already in this
        pass), locked: another sender skips it."""
        skipped = [user_notices.c.id.not_in(list(besides))] if besides else []
        row = (
            await self._session.execute(
                select(user_notices)
                .where(
                    user_notices.c.email_to.is_not(None),
                    user_notices.c.emailed_at.is_(None),
                    user_notices.c.email_attempts < MAX_EMAIL_ATTEMPTS,
                    *skipped,
                )
                .order_by(user_notices.c.created_at, user_notices.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        return _notice(row) if row else None

    async def email_sent(self, notice_id: UUID, at: datetime) -> None:
        await self._session.execute(
            user_notices.update()
            .where(user_notices.c.id == notice_id)
            .values(emailed_at=at, email_attempts=user_notices.c.email_attempts + 1)
        )

    async def email_failed(self, notice_id: UUID, *, permanent: bool) -> None:
        """One attempt more (every attempt, when trying again cannot help)."""
        attempts = MAX_EMAIL_ATTEMPTS if permanent else user_notices.c.email_attempts + 1
        await self._session.execute(
            user_notices.update()
            .where(user_notices.c.id == notice_id)
            .values(email_attempts=attempts)
        )
