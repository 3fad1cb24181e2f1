"""Sent By Broker's copies (one per broker message and master) and the inquiries about them;
which masters own a broker message's recipient accounts; which of them a user's scope reaches."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import String, any_, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope
from contracts.accounts import Channel
from contracts.api.broker_messages import InquiryStatus
from services.messaging.domain.broker_messages import (
    BrokerCopy,
    BrokerInquiry,
    BrokerRecipient,
    StagingOutcome,
    StagingStatus,
)
from services.messaging.store.directory import within
from services.messaging.store.tables import (
    broker_inquiries,
    broker_messages,
    clients,
    staging_outcomes,
)

_TEXTS = ARRAY(String())


def _copy(row: Any) -> BrokerCopy:
    return BrokerCopy(
        message_id=row.message_id, master_account_id=row.master_account_id,
        message_type=row.message_type, subject=row.subject, template=row.template,
        channels=tuple(Channel(c) for c in row.channels),
        recipients=tuple(BrokerRecipient(r["account_number"], dict(r["variables"]))
                         for r in row.recipients),
        received_at=row.received_at, review_required=row.review_required,
        refused_reason=row.refused_reason, delivered_message_id=row.delivered_message_id,
        deleted_at=row.deleted_at,
    )  # fmt: skip


def _inquiry(row: Any) -> BrokerInquiry:
    return BrokerInquiry(
        id=row.id, master_account_id=row.master_account_id,
        broker_message_id=row.broker_message_id, user_id=row.user_id, text=row.text,
        status=InquiryStatus(row.status), created_at=row.created_at, updated_at=row.updated_at,
        answer=row.answer, answered_at=row.answered_at,
    )  # fmt: skip


def _reached_by(master_account_id: str, scope: ClientScope) -> Any:
    """A copy one of whose recipients the scope reaches."""
    return exists().where(
        clients.c.master_account_id == master_account_id,
        clients.c.account_number == any_(broker_messages.c.accounts),
        within(scope),
    )


class BrokerMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def masters_of(self, accounts: Collection[str]) -> dict[str, str]:
        """Account number -> master, for the accounts messaging knows (clients' read model)."""
        if not accounts:
            return {}
        numbers = bindparam("numbers", sorted(set(accounts)), type_=_TEXTS)
        rows = await self._session.execute(
            select(clients.c.account_number, clients.c.master_account_id).where(
                clients.c.account_number == any_(numbers), clients.c.removed.is_(False)
            )
        )
        return {row.account_number: row.master_account_id for row in rows}

    async def add(self, copy: BrokerCopy) -> bool:
        """Insert the copy unless that master already has it; whether it was new."""
        statement = (
            insert(broker_messages)
            .values(
                message_id=copy.message_id,
                master_account_id=copy.master_account_id,
                message_type=copy.message_type,
                subject=copy.subject,
                template=copy.template,
                channels=[c.value for c in copy.channels],
                accounts=copy.accounts,
                recipients=[
                    {"account_number": r.account_number, "variables": r.variables}
                    for r in copy.recipients
                ],
                review_required=copy.review_required,
                refused_reason=copy.refused_reason,
                delivered_message_id=copy.delivered_message_id,
                received_at=copy.received_at,
            )
            .on_conflict_do_nothing(index_elements=["message_id", "master_account_id"])
            .returning(broker_messages.c.message_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def get(
        self, *, master_account_id: str, message_id: str, scope: ClientScope
    ) -> BrokerCopy | None:
        """The master's copy (not deleted) if the scope reaches one of its recipients."""
        row = (
            await self._session.execute(
                select(broker_messages).where(
                    broker_messages.c.master_account_id == master_account_id,
                    broker_messages.c.message_id == message_id,
                    broker_messages.c.deleted_at.is_(None),
                    _reached_by(master_account_id, scope),
                )
            )
        ).first()
        return _copy(row) if row else None

    async def page(
        self, *, master_account_id: str, scope: ClientScope, offset: int, limit: int
    ) -> tuple[list[BrokerCopy], int]:
        """The master's copies the scope reaches, newest first, and how many."""
        where = (
            broker_messages.c.master_account_id == master_account_id,
            broker_messages.c.deleted_at.is_(None),
            _reached_by(master_account_id, scope),
        )
        total = await self._session.scalar(
            select(func.count()).select_from(broker_messages).where(*where)
        )
        rows = await self._session.execute(
            select(broker_messages)
            .where(*where)
            .order_by(broker_messages.c.received_at.desc(), broker_messages.c.message_id)
            .offset(offset)
            .limit(limit)
        )
        return [_copy(row) for row in rows], int(total or 0)

    async def reachable_accounts(
        self, *, master_account_id: str, scope: ClientScope, accounts: Collection[str]
    ) -> set[str]:
        """Those of ``accounts`` the scope reaches (all of them for an all-clients scope)."""
        if scope.all_clients or not accounts:
            return set(accounts)
        numbers = bindparam("numbers", sorted(set(accounts)), type_=_TEXTS)
        rows = await self._session.scalars(
            select(clients.c.account_number).where(
                clients.c.master_account_id == master_account_id,
                clients.c.account_number == any_(numbers),
                within(scope),
            )
        )
        return set(rows)

    async def copy_of(self, *, master_account_id: str, message_id: str) -> BrokerCopy | None:
        """The master's copy, whatever the scope (for delivering it)."""
        row = (
            await self._session.execute(
                select(broker_messages).where(
                    broker_messages.c.master_account_id == master_account_id,
                    broker_messages.c.message_id == message_id,
                )
            )
        ).first()
        return _copy(row) if row else None

    async def mark_delivered(
        self, *, master_account_id: str, message_id: str, delivered_message_id: UUID
    ) -> bool:
        """Name the message delivering the copy, unless one already does: whether this did."""
        result = await self._session.execute(
            update(broker_messages)
            .where(
                broker_messages.c.master_account_id == master_account_id,
                broker_messages.c.message_id == message_id,
                broker_messages.c.delivered_message_id.is_(None),
            )
            .values(delivered_message_id=delivered_message_id)
            .returning(broker_messages.c.message_id)
        )
        return result.first() is not None

    async def record_staging(self, outcomes: Sequence[StagingOutcome]) -> None:
        """Keep each outcome; a final one (released, rejected) is never replaced."""
        if not outcomes:
            return
        statement = insert(staging_outcomes).values([
            {"master_account_id": o.master_account_id, "message_id": o.message_id,
             "status": o.status.value, "reason": o.reason, "deadline": o.deadline,
             "decided_by_user_id": o.decided_by_user_id, "decided_at": o.decided_at}
            for o in outcomes
        ])  # fmt: skip
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["master_account_id", "message_id"],
                set_={name: statement.excluded[name] for name in
                      ("status", "reason", "deadline", "decided_by_user_id", "decided_at")},
                where=staging_outcomes.c.status == StagingStatus.HELD.value,
            )
        )  # fmt: skip

    async def staging_of(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, StagingOutcome]:
        if not message_ids:
            return {}
        ids = bindparam("ids", list(message_ids), type_=_TEXTS)
        rows = await self._session.execute(
            select(staging_outcomes).where(
                staging_outcomes.c.master_account_id == master_account_id,
                staging_outcomes.c.message_id == any_(ids),
            )
        )
        return {
            row.message_id: StagingOutcome(
                master_account_id=row.master_account_id, message_id=row.message_id,
                status=StagingStatus(row.status), decided_at=row.decided_at, reason=row.reason,
                deadline=row.deadline, decided_by_user_id=row.decided_by_user_id,
            )
            for row in rows
        }  # fmt: skip

    async def delete(self, *, master_account_id: str, message_id: str, at: datetime) -> bool:
        result = await self._session.execute(
            update(broker_messages)
            .where(
                broker_messages.c.master_account_id == master_account_id,
                broker_messages.c.message_id == message_id,
                broker_messages.c.deleted_at.is_(None),
            )
            .values(deleted_at=at)
            .returning(broker_messages.c.message_id)
        )
        return result.first() is not None

    async def add_inquiry(self, inquiry: BrokerInquiry) -> None:
        await self._session.execute(
            insert(broker_inquiries).values(
                id=inquiry.id,
                master_account_id=inquiry.master_account_id,
                broker_message_id=inquiry.broker_message_id,
                user_id=inquiry.user_id,
                text=inquiry.text,
                status=inquiry.status.value,
                created_at=inquiry.created_at,
                updated_at=inquiry.updated_at,
            )
        )

    async def answer_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, answer: str, at: datetime
    ) -> bool:
        """Record the broker's answer to an open inquiry of that master; whether there was one."""
        result = await self._session.execute(
            update(broker_inquiries)
            .where(
                broker_inquiries.c.id == inquiry_id,
                broker_inquiries.c.master_account_id == master_account_id,
                broker_inquiries.c.status == InquiryStatus.OPEN.value,
            )
            .values(
                status=InquiryStatus.ANSWERED.value, answer=answer, answered_at=at, updated_at=at
            )
            .returning(broker_inquiries.c.id)
        )
        return result.first() is not None

    async def close_inquiry(
        self, *, inquiry_id: UUID, master_account_id: str, message_id: str, at: datetime
    ) -> BrokerInquiry | None:
        """Close the inquiry unless it is closed already; the inquiry closed now, or None."""
        row = (
            await self._session.execute(
                update(broker_inquiries)
                .where(
                    broker_inquiries.c.id == inquiry_id,
                    broker_inquiries.c.master_account_id == master_account_id,
                    broker_inquiries.c.broker_message_id == message_id,
                    broker_inquiries.c.status != InquiryStatus.CLOSED.value,
                )
                .values(status=InquiryStatus.CLOSED.value, updated_at=at)
                .returning(*broker_inquiries.c)
            )
        ).first()
        return _inquiry(row) if row else None

    async def inquiries(self, *, master_account_id: str, message_id: str) -> list[BrokerInquiry]:
        rows = await self._session.execute(
            select(broker_inquiries)
            .where(
                broker_inquiries.c.master_account_id == master_account_id,
                broker_inquiries.c.broker_message_id == message_id,
            )
            .order_by(broker_inquiries.c.created_at.desc(), broker_inquiries.c.id)
        )
        return [_inquiry(row) for row in rows]

    async def latest_inquiry_statuses(
        self, *, master_account_id: str, message_ids: Sequence[str]
    ) -> dict[str, InquiryStatus]:
        if not message_ids:
            return {}
        ids = bindparam("ids", list(message_ids), type_=_TEXTS)
        rows = await self._session.execute(
            select(broker_inquiries.c.broker_message_id, broker_inquiries.c.status)
            .where(
                broker_inquiries.c.master_account_id == master_account_id,
                broker_inquiries.c.broker_message_id == any_(ids),
            )
            .order_by(broker_inquiries.c.created_at, broker_inquiries.c.id)
        )
        # the latest of each message wins
        return {row.broker_message_id: InquiryStatus(row.status) for row in rows}
