"""Invitations: table and queries, scoped to one master (except the background sender's, which
takes the next due email of any master)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import AccountType
from contracts.crm import InvitationMethod
from services.contacts.domain.invitations import Invitation, InvitationStatus
from services.contacts.store.tables import metadata

invitations = Table(
    "invitations",
    metadata,
    Column("id", PgUUID(as_uuid=True), primary_key=True),
    Column("master_account_id", String(32), nullable=False),
    Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("method", String(32), nullable=False),
    Column("account_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("email", String(320)),
    Column("recipient_name", String(201), nullable=False),
    Column("advisor_name", String(200), nullable=False),
    Column("token", String(200)),
    Column("token_hash", String(64)),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("failure", String(500)),
    Index("ix_invitations_master_contact", "master_account_id", "contact_id", "created_at"),
    Index("uq_invitations_token_hash", "token_hash", unique=True),
    Index(
        "ix_invitations_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending_send'"),
    ),
)


def _to_invitation(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        master_account_id=row.master_account_id,
        contact_id=row.contact_id,
        method=InvitationMethod(row.method),
        account_type=AccountType(row.account_type),
        status=InvitationStatus(row.status),
        email=row.email,
        recipient_name=row.recipient_name,
        advisor_name=row.advisor_name,
        token=row.token,
        token_hash=row.token_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        failure=row.failure,
    )


def _values(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "master_account_id": invitation.master_account_id,
        "contact_id": invitation.contact_id,
        "method": invitation.method.value,
        "account_type": invitation.account_type.value,
        "status": invitation.status.value,
        "email": invitation.email,
        "recipient_name": invitation.recipient_name,
        "advisor_name": invitation.advisor_name,
        "token": invitation.token,
        "token_hash": invitation.token_hash,
        "created_by": invitation.created_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "attempts": invitation.attempts,
        "next_attempt_at": invitation.next_attempt_at,
        "sent_at": invitation.sent_at,
        "failure": invitation.failure,
    }


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, *conditions: ColumnElement[bool]) -> Invitation | None:
        row = (await self._session.execute(select(invitations).where(*conditions))).first()
        return _to_invitation(row) if row else None

    async def add(self, invitation: Invitation) -> None:
        await self._session.execute(invitations.insert().values(**_values(invitation)))

    async def of_contact(self, contact_id: UUID, *, master_account_id: str) -> list[Invitation]:
        """The contact's invitations, newest first."""
        rows = await self._session.execute(
            select(invitations)
            .where(
                invitations.c.master_account_id == master_account_id,
                invitations.c.contact_id == contact_id,
            )
            .order_by(invitations.c.created_at.desc(), invitations.c.id)
        )
        return [_to_invitation(row) for row in rows]

    async def get(
        self, contact_id: UUID, invitation_id: UUID, *, master_account_id: str
    ) -> Invitation | None:
        return await self._one(
            invitations.c.master_account_id == master_account_id,
            invitations.c.contact_id == contact_id,
            invitations.c.id == invitation_id,
        )

    async def by_token_hash(self, token_hash: str, *, master_account_id: str) -> Invitation | None:
        return await self._one(
            invitations.c.master_account_id == master_account_id,
            invitations.c.token_hash == token_hash,
        )

    async def next_due_email(self, now: datetime) -> Invitation | None:
        """The next invitation email to send, of any master, locked for this transaction;
        another sender running at the same time skips it (and takes the next one)."""
        row = (
            await self._session.execute(
                select(invitations)
                .where(
                    invitations.c.status == InvitationStatus.PENDING_SEND.value,
                    invitations.c.next_attempt_at <= now,
                )
                .order_by(invitations.c.next_attempt_at, invitations.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        return _to_invitation(row) if row else None

    async def save_delivery(self, invitation: Invitation) -> None:
        """Write the outcome of a sending attempt."""
        await self._session.execute(
            invitations.update()
            .where(
                invitations.c.id == invitation.id,
                invitations.c.master_account_id == invitation.master_account_id,
            )
            .values(
                status=invitation.status.value,
                token=invitation.token,
                attempts=invitation.attempts,
                next_attempt_at=invitation.next_attempt_at,
                sent_at=invitation.sent_at,
                failure=invitation.failure,
            )
        )

    async def reassign(
        self, from_ids: Sequence[UUID], to_id: UUID, *, master_account_id: str
    ) -> None:
        """The invitations of ``from_ids`` now belong to ``to_id`` (their history is kept)."""
        await self._session.execute(
            invitations.update()
            .where(
                invitations.c.master_account_id == master_account_id,
                invitations.c.contact_id.in_(from_ids),
            )
            .values(contact_id=to_id)
        )
