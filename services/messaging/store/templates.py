"""Message templates: queries, always scoped to one master account (deleted ones are gone)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.messaging.domain.templates import MessageTemplate
from services.messaging.store.tables import templates


def _to_template(row: Any) -> MessageTemplate:
    return MessageTemplate(
        id=row.id,
        master_account_id=row.master_account_id,
        name=row.name,
        subject=row.subject,
        body=row.body,
        created_by_user_id=row.created_by_user_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _live(master_account_id: str) -> list[Any]:
    return [templates.c.master_account_id == master_account_id, templates.c.deleted.is_(False)]


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_master(self, *, master_account_id: str) -> list[MessageTemplate]:
        rows = await self._session.execute(
            select(templates)
            .where(*_live(master_account_id))
            .order_by(func.lower(templates.c.name), templates.c.id)
        )
        return [_to_template(row) for row in rows]

    async def get(
        self, template_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> MessageTemplate | None:
        statement = select(templates).where(
            templates.c.id == template_id, *_live(master_account_id)
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).first()
        return _to_template(row) if row else None

    async def lock_names(self, *, master_account_id: str) -> None:
        """Hold the master's template names until the transaction ends (two saves of one name
        at once: the second sees the first)."""
        await self._session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('messaging.templates'), hashtext(:m))"),
            {"m": master_account_id},
        )

    async def named(
        self, name: str, *, master_account_id: str, other_than: UUID | None = None
    ) -> bool:
        """Whether another live template of the master has this name, whatever the case."""
        statement = select(templates.c.id).where(
            *_live(master_account_id), func.lower(templates.c.name) == name.lower()
        )
        if other_than is not None:
            statement = statement.where(templates.c.id != other_than)
        return (await self._session.execute(statement.limit(1))).first() is not None

    async def add(self, template: MessageTemplate) -> None:
        await self._session.execute(
            templates.insert().values(
                id=template.id,
                master_account_id=template.master_account_id,
                name=template.name,
                subject=template.subject,
                body=template.body,
                created_by_user_id=template.created_by_user_id,
                created_at=template.created_at,
                updated_at=template.updated_at,
                version=template.version,
            )
        )

    async def save(self, template: MessageTemplate) -> None:
        await self._session.execute(
            update(templates)
            .where(
                templates.c.id == template.id,
                templates.c.master_account_id == template.master_account_id,
            )
            .values(
                name=template.name,
                subject=template.subject,
                body=template.body,
                updated_at=template.updated_at,
                version=template.version,
            )
        )

    async def delete(self, template_id: UUID, *, master_account_id: str) -> None:
        """Deleted, not removed: messages sent from it still name it."""
        await self._session.execute(
            update(templates)
            .where(templates.c.id == template_id, *_live(master_account_id))
            .values(deleted=True, updated_at=func.now(), version=templates.c.version + 1)
        )
