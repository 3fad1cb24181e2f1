"""Messages and their frozen recipients: inserted once per idempotency key, read for the fan-out,
Sent By Me and the content as delivered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import Channel
from contracts.messaging import MessageOrigin
from services.messaging.domain.messages import FrozenRecipient, Message
from services.messaging.store.tables import brandings, message_recipients, messages, templates

_UUIDS = ARRAY(PgUUID(as_uuid=True))

# 10,000 recipients are six array parameters, not 60,000 bind parameters
_ADD_RECIPIENTS = text(
    """
    INSERT INTO message_recipients
        (message_id, contact_id, account_number, name, email, variables, folded_accounts)
    SELECT CAST(:message_id AS uuid), r.contact_id, r.account_number, r.name, r.email,
           CAST(r.variables AS jsonb), CAST(r.folded AS jsonb)
    FROM unnest(CAST(:contact_ids AS uuid[]), CAST(:accounts AS varchar[]),
                CAST(:names AS varchar[]), CAST(:emails AS varchar[]),
                CAST(:variables AS text[]), CAST(:folded AS text[]))
         AS r(contact_id, account_number, name, email, variables, folded)
    ON CONFLICT DO NOTHING
    """
).bindparams(bindparam("contact_ids", type_=_UUIDS))

_RECIPIENT_COLUMNS = (
    message_recipients.c.contact_id,
    message_recipients.c.account_number,
    message_recipients.c.name,
    message_recipients.c.email,
    message_recipients.c.variables,
    message_recipients.c.folded_accounts,
)


def _message(row: Any) -> Message:
    return Message(
        id=row.id, master_account_id=row.master_account_id, origin=MessageOrigin(row.origin),
        idempotency_key=row.idempotency_key, subject=row.subject, body=row.body,
        channels=tuple(Channel(c) for c in row.channels), recipient_count=row.recipient_count,
        created_at=row.created_at, template_id=row.template_id, reply_to=row.reply_to,
        signature=row.signature, with_banner=row.with_banner, with_footer=row.with_footer,
        branding=row.branding, per_household=row.per_household,
        created_by_user_id=row.created_by_user_id, resend_of=row.resend_of,
    )  # fmt: skip


def _recipient(row: Any) -> FrozenRecipient:
    return FrozenRecipient(
        contact_id=row.contact_id, account_number=row.account_number, name=row.name,
        email=row.email, variables=dict(row.variables), folded_accounts=tuple(row.folded_accounts),
    )  # fmt: skip


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: Message) -> bool:
        """Insert the message unless its master already used its idempotency key (a concurrent
        insert of the same key waits for the other transaction, then inserts nothing)."""
        values = {
            "id": message.id, "master_account_id": message.master_account_id,
            "origin": message.origin.value, "idempotency_key": message.idempotency_key,
            "subject": message.subject, "body": message.body, "template_id": message.template_id,
            "channels": [c.value for c in message.channels], "reply_to": message.reply_to,
            "signature": message.signature, "with_banner": message.with_banner,
            "with_footer": message.with_footer, "branding": message.branding,
            "per_household": message.per_household,
            "created_by_user_id": message.created_by_user_id, "created_at": message.created_at,
            "resend_of": message.resend_of, "recipient_count": message.recipient_count,
        }  # fmt: skip
        statement = (
            insert(messages)
            .values(values)
            .on_conflict_do_nothing(index_elements=["master_account_id", "idempotency_key"])
            .returning(messages.c.id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def add_recipients(self, message_id: UUID, recipients: Sequence[FrozenRecipient]) -> None:
        if not recipients:
            return
        await self._session.execute(
            _ADD_RECIPIENTS,
            {
                "message_id": message_id,
                "contact_ids": [r.contact_id for r in recipients],
                "accounts": [r.account_number for r in recipients],
                "names": [r.name for r in recipients],
                "emails": [r.email for r in recipients],
                "variables": [json.dumps(r.variables) for r in recipients],
                "folded": [json.dumps(list(r.folded_accounts)) for r in recipients],
            },
        )

    async def get(self, *, master_account_id: str, message_id: UUID) -> Message | None:
        row = (
            await self._session.execute(
                select(messages).where(
                    messages.c.id == message_id, messages.c.master_account_id == master_account_id
                )
            )
        ).first()
        return _message(row) if row else None

    async def by_idempotency_key(self, *, master_account_id: str, key: str) -> Message | None:
        row = (
            await self._session.execute(
                select(messages).where(
                    messages.c.master_account_id == master_account_id,
                    messages.c.idempotency_key == key,
                )
            )
        ).first()
        return _message(row) if row else None

    async def recipients(
        self, message_id: UUID, contact_ids: Sequence[UUID] | None = None
    ) -> list[FrozenRecipient]:
        """The frozen recipients (those of ``contact_ids`` only, when given), by name."""
        query = select(*_RECIPIENT_COLUMNS).where(message_recipients.c.message_id == message_id)
        if contact_ids is not None:
            ids = bindparam("ids", list(contact_ids), type_=_UUIDS)
            query = query.where(message_recipients.c.contact_id == any_(ids))
        rows = await self._session.execute(query.order_by(message_recipients.c.contact_id))
        return [_recipient(row) for row in rows]

    async def recipient_page(
        self, message_id: UUID, *, offset: int, limit: int
    ) -> list[FrozenRecipient]:
        rows = await self._session.execute(
            select(*_RECIPIENT_COLUMNS)
            .where(message_recipients.c.message_id == message_id)
            .order_by(message_recipients.c.name, message_recipients.c.contact_id)
            .offset(offset)
            .limit(limit)
        )
        return [_recipient(row) for row in rows]

    async def page(
        self, *, master_account_id: str, created_by: str | None, offset: int, limit: int
    ) -> tuple[list[Message], int]:
        """Sent messages, newest first (only ``created_by``'s when given), and how many."""
        where = [messages.c.master_account_id == master_account_id]
        if created_by is not None:
            where.append(messages.c.created_by_user_id == created_by)
        total = await self._session.scalar(select(func.count()).select_from(messages).where(*where))
        rows = await self._session.execute(
            select(messages)
            .where(*where)
            .order_by(messages.c.created_at.desc(), messages.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_message(row) for row in rows], int(total or 0)

    async def template(
        self, *, master_account_id: str, template_id: UUID
    ) -> tuple[str, str] | None:
        """A saved template's (subject, body), or None."""
        row = (
            await self._session.execute(
                select(templates.c.subject, templates.c.body).where(
                    templates.c.id == template_id,
                    templates.c.master_account_id == master_account_id,
                    templates.c.deleted.is_(False),
                )
            )
        ).first()
        return (row.subject, row.body) if row else None

    async def branding(self, *, master_account_id: str) -> dict[str, Any] | None:
        """The master's branding as it is now (frozen into a message when it is sent)."""
        row = (
            await self._session.execute(
                select(
                    brandings.c.primary_colour,
                    brandings.c.accent_colour,
                    brandings.c.banner_text,
                    brandings.c.footer_text,
                    brandings.c.logo_content_type,
                ).where(brandings.c.master_account_id == master_account_id)
            )
        ).first()
        return dict(row._mapping) if row else None
